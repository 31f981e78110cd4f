package hubtest

import (
	"context"
	"errors"
	"sync"

	"github.com/fechatter/fechatter"
)

// Handler receives what a Broker delivers; *hub.Hub is one.
type Handler interface {
	HandleChat(chatID, seq, skip int64, data []byte)
	HandleUser(userID int64, e fechatter.UserEvent)
}

// ErrRefused is what a refusing Broker returns by default.
var ErrRefused = errors.New("hubtest: broker refuses")

// topic is a chat's or a user's stream of events.
type topic struct {
	user bool
	id   int64
}

// network is what the brokers of one test share: who subscribes to what.
type network struct {
	mu     sync.Mutex
	nextID int
	subs   map[topic]map[int]*Broker // subscription ID → the subscribing node's broker
}

// Broker is one node's connection to an in-memory network of brokers; it implements
// hub.Broker. Delivery is synchronous: a publish calls the Handler of every subscribed node
// (the publisher's own included, as NATS does) on the publisher's goroutine before it returns,
// so tests need not wait for it. A Broker's faults (Refuse, FailSubscribe, Lose) concern only
// its own node.
type Broker struct {
	net *network

	mu        sync.Mutex
	h         Handler
	refuse    error             // publishes fail with it while not nil
	subErr    error             // subscribes fail with it while not nil
	lose      int               // chat deliveries to this node still to drop
	published map[int64][]int64 // chat → timeline seqs this node published successfully
}

// New returns a broker on a network of its own.
func New() *Broker {
	return &Broker{net: &network{subs: map[topic]map[int]*Broker{}}, published: map[int64][]int64{}}
}

// Peer returns a broker for another node on b's network.
func (b *Broker) Peer() *Broker {
	return &Broker{net: b.net, published: map[int64][]int64{}}
}

// Attach makes h the receiver of what this broker delivers; call it once the hub exists,
// before it subscribes. Deliveries before that are dropped.
func (b *Broker) Attach(h Handler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.h = h
}

// Refuse makes this node's publishes fail with err (ErrRefused when err is nil) until Restore.
func (b *Broker) Refuse(err error) {
	if err == nil {
		err = ErrRefused
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refuse = err
}

// FailSubscribe makes this node's subscribes fail with err (ErrRefused when nil) until Restore.
func (b *Broker) FailSubscribe(err error) {
	if err == nil {
		err = ErrRefused
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subErr = err
}

// Restore ends Refuse and FailSubscribe.
func (b *Broker) Restore() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refuse, b.subErr = nil, nil
}

// Lose drops the next n chat events (timeline or ephemeral) the network delivers to this node,
// as NATS drops messages for a slow consumer.
func (b *Broker) Lose(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lose += n
}

// Published returns the timeline seqs of chatID this node published successfully, in order.
func (b *Broker) Published(chatID int64) []int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int64(nil), b.published[chatID]...)
}

// Subscribed reports whether this node holds a subscription to chatID.
func (b *Broker) Subscribed(chatID int64) bool {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	for _, sb := range b.net.subs[topic{id: chatID}] {
		if sb == b {
			return true
		}
	}
	return false
}

// SubscribeChat implements hub.Broker.
func (b *Broker) SubscribeChat(chatID int64) (func(), error) {
	return b.subscribe(topic{id: chatID})
}

// SubscribeUser implements hub.Broker.
func (b *Broker) SubscribeUser(userID int64) (func(), error) {
	return b.subscribe(topic{user: true, id: userID})
}

func (b *Broker) subscribe(t topic) (func(), error) {
	b.mu.Lock()
	err := b.subErr
	b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	n := b.net
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nextID++
	id := n.nextID
	if n.subs[t] == nil {
		n.subs[t] = map[int]*Broker{}
	}
	n.subs[t][id] = b
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.subs[t], id)
		if len(n.subs[t]) == 0 {
			delete(n.subs, t)
		}
	}, nil
}

// PublishChat implements hub.Broker.
func (b *Broker) PublishChat(chatID, seq int64, data []byte) error {
	if err := b.refused(); err != nil {
		return err
	}
	b.mu.Lock()
	b.published[chatID] = append(b.published[chatID], seq)
	b.mu.Unlock()
	for _, to := range b.net.subscribers(topic{id: chatID}) {
		if h := to.deliverable(true); h != nil {
			h.HandleChat(chatID, seq, 0, data)
		}
	}
	return nil
}

// PublishEphemeral implements hub.Broker.
func (b *Broker) PublishEphemeral(chatID, skip int64, data []byte) error {
	if err := b.refused(); err != nil {
		return err
	}
	for _, to := range b.net.subscribers(topic{id: chatID}) {
		if h := to.deliverable(true); h != nil {
			h.HandleChat(chatID, 0, skip, data)
		}
	}
	return nil
}

// PublishUser implements hub.Broker.
func (b *Broker) PublishUser(userID int64, e fechatter.UserEvent) error {
	if err := b.refused(); err != nil {
		return err
	}
	for _, to := range b.net.subscribers(topic{user: true, id: userID}) {
		if h := to.deliverable(false); h != nil {
			h.HandleUser(userID, e)
		}
	}
	return nil
}

// Flush implements hub.Broker: subscriptions take effect at once, so there is nothing to wait
// for, but a refusing broker (a node cut off) fails it.
func (b *Broker) Flush(context.Context) error { return b.refused() }

func (b *Broker) refused() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refuse
}

// deliverable returns the handler to deliver an event to, or nil when the event is dropped
// (no handler attached, or a chat event this node is to lose).
func (b *Broker) deliverable(chat bool) Handler {
	b.mu.Lock()
	defer b.mu.Unlock()
	if chat && b.lose > 0 {
		b.lose--
		return nil
	}
	return b.h
}

// subscribers lists the nodes subscribed to t, each once.
func (n *network) subscribers(t topic) []*Broker {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*Broker
	seen := map[*Broker]bool{}
	for _, b := range n.subs[t] {
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out
}
