package hub

import (
	"github.com/fechatter/fechatter"
)

// Stream relays an assistant answer's text so far to the chat's live connections, as an
// ephemeral "stream" event: never stored, never replayed. Late joiners and resumers get the
// answer from its durable message, completed by a message_edited event.
func (h *Hub) Stream(chatID, messageID int64, text string) {
	h.publishEphemeral(chatID, 0, encodeStream(chatID, messageID, text))
}

// OnMessage makes fn see every new message this node commits through its send path, after
// it is published. fn runs on a send worker: it must return at once (hand the event off).
// Set it before the hub serves; nil turns it off.
func (h *Hub) OnMessage(fn func(fechatter.Event)) {
	if fn == nil {
		h.onMessage.Store(nil)
		return
	}
	h.onMessage.Store(&fn)
}

func (h *Hub) observe(ev fechatter.Event) {
	if fn := h.onMessage.Load(); fn != nil {
		(*fn)(ev)
	}
}

func encodeStream(chatID, messageID int64, text string) []byte {
	return encode(struct {
		Type      string `json:"type"`
		ChatID    int64  `json:"chat_id"`
		MessageID int64  `json:"message_id"`
		Text      string `json:"text"`
	}{"stream", chatID, messageID, text})
}
