package node

import (
	"github.com/fechatter/fechatter/hub"
	"github.com/fechatter/fechatter/push"
)

// openPush builds the push hook when FECHATTER_PUSH_URL is set (nil otherwise). It runs on
// every node; each notice is sent by the node that committed the message only.
func (n *Node) openPush() (*push.Hook, error) {
	if n.cfg.PushURL == "" {
		return nil, nil
	}
	h, err := push.New(push.Config{
		URL: n.cfg.PushURL, Secret: n.cfg.PushSecret, Store: n.Store, Presence: n.presence,
		Logger: n.log, Metrics: push.NewMetrics(n.registry),
	})
	if err != nil {
		return nil, err
	}
	h.Start()
	n.log.Info("push: hook", "url", n.cfg.PushURL)
	return h, nil
}

func (n *Node) closePush() {
	if n.push != nil {
		n.push.Close()
	}
}

// pusher is the hook as the hub takes it: an untyped nil when there is none, so the hub's
// nil check works.
func (n *Node) pusher() hub.Pusher {
	if n.push == nil {
		return nil
	}
	return n.push
}
