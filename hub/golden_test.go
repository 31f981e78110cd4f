package hub

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

var update = flag.Bool("update", false, "rewrite docs/events/*.json from the encoders")

// The golden events in docs/events are the wire contract's examples: this test checks every
// server event the hub encodes against them, and the web client's unit tests read the same
// files, so server and client cannot drift. Run with -update after a deliberate change.
func TestGoldenEvents(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	edited := at.Add(time.Minute)
	msg := fechatter.Message{ID: 42, ChatID: 7, Seq: 12, SenderID: 3, ClientID: "6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f",
		Text: "ship it <@5> **today**", CreatedAt: at, Mentions: []int64{5},
		Reactions: []fechatter.Reaction{{Emoji: "👍", Count: 2, UserIDs: []int64{5, 9}}}}
	root := msg
	root.ReplyCount, root.LastReplyAt, root.Pinned = 3, &edited, true
	reply := fechatter.Message{ID: 43, ChatID: 7, Seq: 13, SenderID: 5, ClientID: "7f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f",
		Text: "on it <!here>", CreatedAt: at, ThreadID: 42, Broadcast: fechatter.MentionHere}
	editedMsg := msg
	editedMsg.EditedAt = &edited
	withFiles := fechatter.Message{ID: 44, ChatID: 7, Seq: 20, SenderID: 3, ClientID: "8f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f",
		CreatedAt: at, Files: []fechatter.File{{ID: 9, ChatID: 7, UploaderID: 3, MessageID: 44, Name: "whiteboard.png", Size: 48213,
			ContentType: "image/png", SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Width: 1600, Height: 1200,
			Thumbnail: true, CreatedAt: at}}}
	events := map[string][]byte{
		"message":         encodeEvent(fechatter.Event{ChatID: 7, Seq: 12, Kind: fechatter.EventMessage, Message: root}),
		"message_files":   encodeEvent(fechatter.Event{ChatID: 7, Seq: 20, Kind: fechatter.EventMessage, Message: withFiles}),
		"message_reply":   encodeEvent(fechatter.Event{ChatID: 7, Seq: 13, Kind: fechatter.EventMessage, Message: reply}),
		"message_edited":  encodeEvent(fechatter.Event{ChatID: 7, Seq: 14, Kind: fechatter.EventEdited, Message: editedMsg}),
		"message_deleted": encodeEvent(fechatter.Event{ChatID: 7, Seq: 15, Kind: fechatter.EventDeleted, Message: msg}),
		"reaction":        encodeEvent(fechatter.Event{ChatID: 7, Seq: 16, Kind: fechatter.EventReaction, Message: msg, UserID: 9, Emoji: "👍", On: true}),
		"pinned":          encodeEvent(fechatter.Event{ChatID: 7, Seq: 17, Kind: fechatter.EventPinned, Message: msg, UserID: 3, On: true}),
		"member_joined":   encodeEvent(fechatter.Event{ChatID: 7, Seq: 18, Kind: fechatter.EventMemberJoined, UserID: 11, ActorID: 3, At: at}),
		"member_left":     encodeEvent(fechatter.Event{ChatID: 7, Seq: 19, Kind: fechatter.EventMemberLeft, UserID: 11, ActorID: 11, At: at}),
		"mention":         encodeMention(msg),
		"message_answer": encodeEvent(fechatter.Event{ChatID: 7, Seq: 21, Kind: fechatter.EventMessage, Message: fechatter.Message{
			ID: 45, ChatID: 7, Seq: 21, SenderID: 2, ClientID: "9f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", CreatedAt: at,
			State: fechatter.StateStreaming, AskerID: 3}}),
		"stream":    encodeStream(7, 45, "The plan is to ship"),
		"typing":    encodeTyping(7, 5),
		"read":      encodeRead(7, 5, 19),
		"presence":  encodePresence(5, true),
		"chat_left": encodeChatLeft(7),
		"chat_joined": encodeChatJoined(fechatter.Chat{ID: 7, WorkspaceID: 1, Kind: fechatter.ChatChannel, Name: "general",
			Topic: "news", OwnerID: 3, LastSeq: 19, MemberCount: 3, CreatedAt: at, MemberIDs: []int64{3, 5, 9}}),
		"ready": encodeReady(fechatter.User{ID: 5, WorkspaceID: 1, Email: "ben@example.com", Fullname: "Ben",
			Role: fechatter.RoleMember, CreatedAt: at}, []chatSeq{
			{ID: 7, LastSeq: 19, LastReadSeq: 15, Unread: 3, MentionCount: 1,
				Reads: []fechatter.ReadPosition{{UserID: 3, LastReadSeq: 19}, {UserID: 5, LastReadSeq: 15}, {UserID: 9, LastReadSeq: 12}}},
			{ID: 8, LastSeq: 4200, LastReadSeq: 4200}, // larger than the presence fan-out: no reads
		}),
		"resync": encodeResync(7),
		"ack":    encodeAck(json.RawMessage(`"r1"`), msg),
		"error":  encodeError(json.RawMessage(`"r2"`), fechatter.ERateLimited, "too many messages; retry in 1s"),
		"error_overloaded": encodeErrorRetry(json.RawMessage(`"s:6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f"`), fechatter.EOverloaded,
			"message not sent; the server is overloaded, retry in 750ms", 750*time.Millisecond),
		"pong":          encodePong(json.RawMessage(`7`)),
		"authenticated": encodeAuthenticated(json.RawMessage(`"renew"`), at.Add(15*time.Minute)),
	}
	for name, got := range events {
		path := filepath.Join("..", "docs", "events", name+".json")
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, got, "", "  "); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		pretty.WriteByte('\n')
		if *update {
			if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test ./hub -run TestGoldenEvents -update)", name, err)
		}
		if !bytes.Equal(pretty.Bytes(), want) {
			t.Errorf("%s: encoder and docs/events/%s.json differ:\n got %s\nwant %s", name, name, pretty.Bytes(), want)
		}
	}
}
