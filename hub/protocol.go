package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fechatter/fechatter"
)

// Client frame types.
const (
	frameAuth    = "auth"
	frameSend    = "send"
	frameEdit    = "edit"
	frameDelete  = "delete"
	frameTyping  = "typing"
	frameRead    = "read"
	frameResume  = "resume"
	framePing    = "ping"
	frameReact   = "react"
	frameUnreact = "unreact"
	framePin     = "pin"
	frameUnpin   = "unpin"
	maxRefLength = 64
)

// inFrame is any client frame; which fields matter depends on Type.
type inFrame struct {
	Type      string           `json:"type"`
	Ref       json.RawMessage  `json:"ref,omitempty"`
	Token     string           `json:"token,omitempty"`
	Resume    map[string]int64 `json:"resume,omitempty"`
	Chats     map[string]int64 `json:"chats,omitempty"`
	ChatID    int64            `json:"chat_id,omitempty"`
	ClientID  string           `json:"client_id,omitempty"`
	Text      *string          `json:"text,omitempty"`
	MessageID int64            `json:"message_id,omitempty"`
	Emoji     string           `json:"emoji,omitempty"`
	ThreadID  int64            `json:"thread_id,omitempty"`
	FileIDs   []int64          `json:"file_ids,omitempty"`
	Seq       int64            `json:"seq,omitempty"`
}

// decodeFrame parses a client frame. Errors are *fechatter.Error naming what was wrong.
func decodeFrame(data []byte) (*inFrame, error) {
	var f inFrame
	if err := json.Unmarshal(data, &f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &f, fechatter.Errorf(fechatter.EInvalid, "field %q must be %s", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return &f, fechatter.Errorf(fechatter.EInvalid, "frame is not a JSON object")
	}
	if len(f.Ref) > 0 {
		if len(f.Ref) > maxRefLength || !(f.Ref[0] == '"' || f.Ref[0] == '-' || (f.Ref[0] >= '0' && f.Ref[0] <= '9')) {
			f.Ref = nil
			return &f, fechatter.Errorf(fechatter.EInvalid, "field \"ref\" must be a string or number of at most %d bytes", maxRefLength)
		}
	}
	if f.Type == "" {
		return &f, fechatter.Errorf(fechatter.EInvalid, "field \"type\" is required")
	}
	return &f, nil
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "string":
		return "a string"
	case goKind == "map":
		return "an object"
	case goKind == "ptr":
		return "a string"
	}
	return "of another type"
}

// resumeMap converts the {"<chat_id>": last_seq} object of auth and resume frames.
func resumeMap(m map[string]int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(m))
	for k, v := range m {
		// Only the canonical form: "02" or "+2" would name chat 2 a second time, and which of
		// the two positions won would depend on map order.
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || id <= 0 || strconv.FormatInt(id, 10) != k {
			return nil, fechatter.Errorf(fechatter.EInvalid, "resume key %q is not a chat id", k)
		}
		if v < 0 {
			return nil, fechatter.Errorf(fechatter.EInvalid, "resume seq for chat %d is negative", id)
		}
		out[id] = v
	}
	return out, nil
}

// validText checks a message body against the documented limits.
func validText(p *string) (string, error) {
	if p == nil {
		return "", fechatter.Errorf(fechatter.EInvalid, "field \"text\" is required")
	}
	return *p, fechatter.CheckText(*p)
}

// validSend checks a send's text and files: with files, the text may be absent or empty.
func validSend(p *string, fileIDs []int64) (string, error) {
	if p == nil && len(fileIDs) == 0 {
		return "", fechatter.Errorf(fechatter.EInvalid, "field \"text\" is required")
	}
	var text string
	if p != nil {
		text = *p
	}
	return text, fechatter.CheckSend(text, fileIDs)
}

// Server events. Each encoder returns the exact bytes a client receives.

// chatSeq is a chat in the ready event: where its timeline is, and the read state that is
// not replayed (read events are ephemeral): the user's own read position, unread and mention
// counts, and, in chats not larger than Config.PresenceFanout, every member's read position.
type chatSeq struct {
	ID           int64                    `json:"id"`
	LastSeq      int64                    `json:"last_seq"`
	LastReadSeq  int64                    `json:"last_read_seq"`
	Unread       int64                    `json:"unread"`
	MentionCount int64                    `json:"mention_count"`
	Reads        []fechatter.ReadPosition `json:"reads,omitempty"`
}

func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("hub: encoding %T: %v", v, err)) // only our own types are encoded
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// encodeEvent encodes a timeline event as the wire event of its kind.
func encodeEvent(ev fechatter.Event) []byte {
	if ev.Kind.IsMember() {
		return encode(struct {
			Type      string    `json:"type"`
			Seq       int64     `json:"seq"`
			ChatID    int64     `json:"chat_id"`
			UserID    int64     `json:"user_id"`
			ActorID   int64     `json:"actor_id"`
			CreatedAt time.Time `json:"created_at"`
		}{string(ev.Kind), ev.Seq, ev.ChatID, ev.UserID, ev.ActorID, ev.At.UTC()})
	}
	switch ev.Kind {
	case fechatter.EventReaction:
		return encode(struct {
			Type      string `json:"type"`
			Seq       int64  `json:"seq"`
			ChatID    int64  `json:"chat_id"`
			MessageID int64  `json:"message_id"`
			UserID    int64  `json:"user_id"`
			Emoji     string `json:"emoji"`
			Added     bool   `json:"added"`
		}{string(ev.Kind), ev.Seq, ev.ChatID, ev.Message.ID, ev.UserID, ev.Emoji, ev.On})
	case fechatter.EventPinned:
		return encode(struct {
			Type      string `json:"type"`
			Seq       int64  `json:"seq"`
			ChatID    int64  `json:"chat_id"`
			MessageID int64  `json:"message_id"`
			UserID    int64  `json:"user_id"`
			Pinned    bool   `json:"pinned"`
		}{string(ev.Kind), ev.Seq, ev.ChatID, ev.Message.ID, ev.UserID, ev.On})
	}
	if ev.Kind == fechatter.EventDeleted {
		return encode(struct {
			Type      string `json:"type"`
			Seq       int64  `json:"seq"`
			ChatID    int64  `json:"chat_id"`
			MessageID int64  `json:"message_id"`
		}{string(ev.Kind), ev.Seq, ev.ChatID, ev.Message.ID})
	}
	return encode(struct {
		Type    string            `json:"type"`
		Seq     int64             `json:"seq"`
		Message fechatter.Message `json:"message"`
	}{string(ev.Kind), ev.Seq, ev.Message})
}

func encodeReady(u fechatter.User, chats []chatSeq) []byte {
	return encode(struct {
		Type  string         `json:"type"`
		User  fechatter.User `json:"user"`
		Chats []chatSeq      `json:"chats"`
	}{"ready", u, chats})
}

func encodeAck(ref json.RawMessage, m fechatter.Message) []byte {
	return encode(struct {
		Type    string            `json:"type"`
		Ref     json.RawMessage   `json:"ref,omitempty"`
		Message fechatter.Message `json:"message"`
	}{"ack", ref, m})
}

func encodeError(ref json.RawMessage, code, msg string) []byte {
	return encodeErrorRetry(ref, code, msg, 0)
}

// encodeErrorRetry is an error frame with retry_after_ms when retry is set: a refused request
// (overloaded, rate_limited) may be sent again, unchanged, after that long.
func encodeErrorRetry(ref json.RawMessage, code, msg string, retry time.Duration) []byte {
	return encode(struct {
		Type         string          `json:"type"`
		Ref          json.RawMessage `json:"ref,omitempty"`
		Code         string          `json:"code"`
		Message      string          `json:"message"`
		RetryAfterMs int64           `json:"retry_after_ms,omitempty"`
	}{"error", ref, code, msg, retry.Milliseconds()})
}

func encodePong(ref json.RawMessage) []byte {
	return encode(struct {
		Type string          `json:"type"`
		Ref  json.RawMessage `json:"ref,omitempty"`
	}{"pong", ref})
}

func encodeResync(chatID int64) []byte {
	return encode(struct {
		Type   string `json:"type"`
		ChatID int64  `json:"chat_id"`
	}{"resync", chatID})
}

// encodeChatJoined is the event a user's connections receive when they are added to a chat.
func encodeChatJoined(c fechatter.Chat) []byte {
	return encode(struct {
		Type string         `json:"type"`
		Chat fechatter.Chat `json:"chat"`
	}{"chat_joined", c})
}

// encodeChatLeft is the event a user's connections receive when they leave a chat.
func encodeChatLeft(chatID int64) []byte {
	return encode(struct {
		Type   string `json:"type"`
		ChatID int64  `json:"chat_id"`
	}{"chat_left", chatID})
}

func encodeTyping(chatID, userID int64) []byte {
	return encode(struct {
		Type   string `json:"type"`
		ChatID int64  `json:"chat_id"`
		UserID int64  `json:"user_id"`
	}{"typing", chatID, userID})
}

func encodeRead(chatID, userID, seq int64) []byte {
	return encode(struct {
		Type   string `json:"type"`
		ChatID int64  `json:"chat_id"`
		UserID int64  `json:"user_id"`
		Seq    int64  `json:"seq"`
	}{"read", chatID, userID, seq})
}

func encodePresence(userID int64, online bool) []byte {
	return encode(struct {
		Type   string `json:"type"`
		UserID int64  `json:"user_id"`
		Online bool   `json:"online"`
	}{"presence", userID, online})
}

func encodeAuthenticated(ref json.RawMessage, expiresAt time.Time) []byte {
	return encode(struct {
		Type      string          `json:"type"`
		Ref       json.RawMessage `json:"ref,omitempty"`
		ExpiresAt time.Time       `json:"expires_at"`
	}{"authenticated", ref, expiresAt.UTC()})
}

// encodeMention is the notice a mentioned member's connections get, whatever the chat's size.
func encodeMention(m fechatter.Message) []byte {
	return encode(struct {
		Type      string `json:"type"`
		ChatID    int64  `json:"chat_id"`
		MessageID int64  `json:"message_id"`
		Seq       int64  `json:"seq"`
		SenderID  int64  `json:"sender_id"`
	}{"mention", m.ChatID, m.ID, m.Seq, m.SenderID})
}
