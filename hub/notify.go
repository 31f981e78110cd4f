package hub

import (
	"github.com/fechatter/fechatter"
)

// ChatJoined tells the users' connections, on every node, that they are now in chat: they
// get chat_joined and from then on the chat's events.
func (h *Hub) ChatJoined(chat fechatter.Chat, userIDs []int64) {
	e := fechatter.UserEvent{Kind: "chat_joined", ChatID: chat.ID, Seq: chat.LastSeq, Data: encodeChatJoined(chat)}
	for _, uid := range userIDs {
		h.publishUser(uid, e)
	}
}

// ChatLeft tells the user's connections that they left chatID: they get chat_left and
// nothing more from it.
func (h *Hub) ChatLeft(chatID, userID int64) {
	h.publishUser(userID, fechatter.UserEvent{Kind: "chat_left", ChatID: chatID, Data: encodeChatLeft(chatID)})
}

func (h *Hub) publishUser(userID int64, e fechatter.UserEvent) {
	if err := h.cfg.Broker.PublishUser(userID, e); err != nil {
		h.m.publishFailed.Inc()
		h.log.Warn("hub: user publish failed; delivering locally", "user_id", userID, "kind", e.Kind, "err", err)
		h.HandleUser(userID, e)
	}
}

// notifyMentions tells each member a new message mentions by name, on every node: a mention
// notice reaches them even in chats too large for presence, where a client may not keep every
// message. <!here> and <!channel> reach everyone through the message itself (its broadcast).
func (h *Hub) notifyMentions(ev fechatter.Event) {
	m := ev.Message
	if len(m.Mentions) == 0 {
		return
	}
	data := encodeMention(m)
	for _, uid := range m.Mentions {
		if uid != m.SenderID {
			h.publishUser(uid, fechatter.UserEvent{Kind: "mention", ChatID: m.ChatID, Seq: m.Seq, Data: data})
		}
	}
}

// Read tells a chat's members that userID has read it up to seq, as the socket's read frame
// does (REST's POST /chats/{id}/read).
func (h *Hub) Read(chatID, userID, seq int64) {
	h.publishEphemeral(chatID, 0, encodeRead(chatID, userID, seq))
}
