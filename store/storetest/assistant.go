package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

func assistantCases() []testCase {
	return []testCase{
		{"BotUser", testBotUser},
		{"AnswerLifecycle", testAnswerLifecycle},
		{"AnswerAccess", testAnswerAccess},
		{"AnswerQuota", testAnswerQuota},
	}
}

const (
	answerID1 = "6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e51"
	answerID2 = "6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e52"
	answerID3 = "6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e53"
)

func (f *fx) bot(workspaceID int64) fechatter.User {
	f.t.Helper()
	u, err := f.s.BotUser(f.ctx, workspaceID)
	f.ok(err, "BotUser")
	return u
}

func testBotUser(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	b := f.bot(tm.alice.WorkspaceID)
	if !b.Bot || b.ID == 0 || b.WorkspaceID != tm.alice.WorkspaceID || b.Fullname != fechatter.BotName ||
		b.Role != fechatter.RoleMember || b.Email != fechatter.BotEmail(b.WorkspaceID) {
		t.Fatalf("BotUser = %+v", b)
	}
	if again := f.bot(tm.alice.WorkspaceID); diffUser(again, b) != "" {
		t.Fatalf("second BotUser differs: %s", diffUser(again, b))
	}
	if other := f.bot(tm.zed.WorkspaceID); other.ID == b.ID || other.WorkspaceID != tm.zed.WorkspaceID {
		t.Fatalf("the other workspace's bot = %+v, want its own", other)
	}
	_, err := s.BotUser(f.ctx, 1<<40)
	f.code(err, fechatter.ENotFound, "BotUser of an unknown workspace")
	got, err := s.User(f.ctx, b.ID)
	f.ok(err, "User(bot)")
	if !got.Bot {
		t.Fatalf("User(bot).Bot = false")
	}
	if u, err := s.User(f.ctx, tm.alice.ID); err != nil || u.Bot {
		t.Fatalf("User(alice) = %+v, %v: a person is no bot", u, err)
	}
	_, hash, err := s.UserByEmail(f.ctx, b.Email)
	f.ok(err, "UserByEmail(bot)")
	if hash != "" {
		t.Fatalf("the bot has a password hash %q; it must have none", hash)
	}
	dir, err := s.Users(f.ctx, tm.alice.WorkspaceID, "assist", 10)
	f.ok(err, "Users")
	if len(dir) != 1 || dir[0].ID != b.ID || !dir[0].Bot {
		t.Fatalf("directory search for the bot = %+v", dir)
	}
	f.code(s.SetUserRole(f.ctx, b.ID, fechatter.RoleAdmin), fechatter.EForbidden, "SetUserRole(bot, admin)")
	if got, _ := s.User(f.ctx, b.ID); got.Role != fechatter.RoleMember {
		t.Fatalf("bot role = %q after a refused change", got.Role)
	}
	// Disabling and enabling it again is allowed (the assistant off and on): it never gains
	// a session or a role.
	f.ok(s.SetUserDisabled(f.ctx, b.ID, true), "disable bot")
	f.ok(s.SetUserDisabled(f.ctx, b.ID, false), "enable bot")
	_, err = s.UserSession(f.ctx, b.ID, "any")
	f.code(err, fechatter.EUnauthorized, "UserSession(bot)")
}

func testAnswerLifecycle(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	b := f.bot(tm.alice.WorkspaceID)
	g := f.group(tm.alice, tm.bob, b)
	q := f.send(g.ID, tm.alice.ID, "q1", "hey <@"+strconv.FormatInt(b.ID, 10)+"> what's up?")
	wantIDs(t, "question mentions", q.Message.Mentions, []int64{b.ID})

	p := fechatter.AnswerParams{ChatID: g.ID, BotID: b.ID, AskerID: tm.alice.ID, ClientID: answerID1, Since: time.Now().Add(-time.Hour)}
	ev, err := s.StartAnswer(f.ctx, p)
	f.ok(err, "StartAnswer")
	m := ev.Message
	if ev.Kind != fechatter.EventMessage || ev.Seq != 2 || m.Seq != 2 || m.SenderID != b.ID || m.Text != "" ||
		m.State != fechatter.StateStreaming || m.AskerID != tm.alice.ID || m.ID == 0 {
		t.Fatalf("StartAnswer = %+v", ev)
	}
	again, err := s.StartAnswer(f.ctx, p)
	f.ok(err, "StartAnswer again")
	if again.Message.ID != m.ID || again.Seq != ev.Seq || f.chat(g.ID).LastSeq != 2 {
		t.Fatalf("a repeated StartAnswer stored another message: %+v", again)
	}
	stale, err := s.StaleAnswers(f.ctx, time.Now().Add(time.Minute), 10)
	f.ok(err, "StaleAnswers")
	if len(stale) != 1 || stale[0].ID != m.ID {
		t.Fatalf("StaleAnswers = %v, want the streaming answer", stale)
	}
	if stale, _ := s.StaleAnswers(f.ctx, m.CreatedAt.Add(-time.Minute), 10); len(stale) != 0 {
		t.Fatalf("StaleAnswers before it started = %v", stale)
	}
	_, err = s.FinishAnswer(f.ctx, fechatter.FinishParams{ChatID: g.ID, MessageID: m.ID, Text: "x", State: fechatter.StateStreaming})
	f.code(err, fechatter.EInvalid, "FinishAnswer to streaming")

	fin, err := s.FinishAnswer(f.ctx, fechatter.FinishParams{ChatID: g.ID, MessageID: m.ID, Text: "All good.", State: fechatter.StateComplete})
	f.ok(err, "FinishAnswer")
	if fin.Kind != fechatter.EventEdited || fin.Seq != 3 || fin.Message.Text != "All good." || fin.Message.State != fechatter.StateComplete ||
		fin.Message.EditedAt != nil || fin.Message.AskerID != tm.alice.ID || fin.Message.Seq != 2 {
		t.Fatalf("FinishAnswer = %+v", fin)
	}
	_, err = s.FinishAnswer(f.ctx, fechatter.FinishParams{ChatID: g.ID, MessageID: m.ID, Text: "again", State: fechatter.StateFailed})
	f.code(err, fechatter.EConflict, "FinishAnswer twice")
	evs := f.events(g.ID)
	if len(evs) != 3 || evs[1].Message.Text != "All good." || evs[1].Message.State != fechatter.StateComplete || evs[2].Kind != fechatter.EventEdited {
		t.Fatalf("events after the answer = %+v", evs)
	}
	if stale, _ := s.StaleAnswers(f.ctx, time.Now().Add(time.Minute), 10); len(stale) != 0 {
		t.Fatalf("StaleAnswers after it finished = %v", stale)
	}
	got, err := s.Message(f.ctx, m.ID)
	f.ok(err, "Message")
	if got.Text != "All good." || got.State != fechatter.StateComplete || got.ChatID != g.ID {
		t.Fatalf("Message = %s", fmtMessage(got))
	}
	_, err = s.Message(f.ctx, 1<<40)
	f.code(err, fechatter.ENotFound, "Message(unknown)")

	// An answer in a thread counts as a reply; one that fails keeps its state.
	p2 := p
	p2.ClientID, p2.ThreadID = answerID2, q.Message.ID
	ev2, err := s.StartAnswer(f.ctx, p2)
	f.ok(err, "StartAnswer in a thread")
	if ev2.Message.ThreadID != q.Message.ID {
		t.Fatalf("thread answer = %+v", ev2.Message)
	}
	fail, err := s.FinishAnswer(f.ctx, fechatter.FinishParams{ChatID: g.ID, MessageID: ev2.Message.ID, Text: "partial", State: fechatter.StateFailed})
	f.ok(err, "FinishAnswer failed")
	if fail.Message.State != fechatter.StateFailed || fail.Message.Text != "partial" {
		t.Fatalf("failed answer = %+v", fail.Message)
	}
	root, err := s.Message(f.ctx, q.Message.ID)
	f.ok(err, "Message(root)")
	if root.ReplyCount != 1 {
		t.Fatalf("root reply_count = %d, want 1", root.ReplyCount)
	}
	if people := f.send(g.ID, tm.bob.ID, "b1", "thanks"); people.Message.State != fechatter.StateComplete || people.Message.AskerID != 0 {
		t.Fatalf("a person's message = %+v", people.Message)
	}
}

func testAnswerAccess(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	b := f.bot(tm.alice.WorkspaceID)
	withBot := f.group(tm.alice, b)
	without := f.group(tm.alice, tm.bob)
	since := time.Now().Add(-time.Hour)
	start := func(chatID, botID, asker int64) error {
		_, err := s.StartAnswer(f.ctx, fechatter.AnswerParams{ChatID: chatID, BotID: botID, AskerID: asker, ClientID: answerID1, Since: since})
		return err
	}
	f.code(start(without.ID, b.ID, tm.alice.ID), fechatter.ENotFound, "bot not a member")
	f.code(start(withBot.ID, b.ID, tm.bob.ID), fechatter.ENotFound, "asker not a member")
	f.code(start(withBot.ID, tm.alice.ID, tm.alice.ID), fechatter.EInvalid, "a person as the bot")
	_, err := s.StartAnswer(f.ctx, fechatter.AnswerParams{ChatID: withBot.ID, BotID: b.ID, AskerID: tm.alice.ID, ClientID: "nope"})
	f.code(err, fechatter.EInvalid, "client id not a UUID")
	f.ok(s.SetUserDisabled(f.ctx, b.ID, true), "disable bot")
	f.code(start(withBot.ID, b.ID, tm.alice.ID), fechatter.ENotFound, "disabled bot")
	f.ok(s.SetUserDisabled(f.ctx, b.ID, false), "enable bot")
	f.ok(start(withBot.ID, b.ID, tm.alice.ID), "enabled bot")
	if f.chat(without.ID).LastSeq != 0 {
		t.Fatalf("a refused answer took a seq")
	}
}

func testAnswerQuota(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	b := f.bot(tm.alice.WorkspaceID)
	g := f.group(tm.alice, tm.bob, b)
	since := time.Now().Add(-time.Hour)
	ask := func(asker int64, clientID string, user, ws int, since time.Time) error {
		_, err := s.StartAnswer(f.ctx, fechatter.AnswerParams{ChatID: g.ID, BotID: b.ID, AskerID: asker, ClientID: clientID,
			Since: since, UserQuota: user, WorkspaceQuota: ws})
		return err
	}
	f.ok(ask(tm.alice.ID, answerID1, 1, 0, since), "alice's first")
	err := ask(tm.alice.ID, answerID2, 1, 0, since)
	f.code(err, fechatter.ERateLimited, "alice's second over a quota of 1")
	f.ok(ask(tm.bob.ID, answerID2, 1, 2, since), "bob's first")
	f.code(ask(tm.bob.ID, answerID3, 5, 2, since), fechatter.ERateLimited, "workspace quota of 2")
	// A new day (Since after the answers) counts afresh.
	f.ok(ask(tm.alice.ID, answerID3, 1, 2, time.Now().Add(time.Hour)), "the next day")
	if n := f.chat(g.ID).LastSeq; n != 3 {
		t.Fatalf("LastSeq = %d after 3 answers", n)
	}
}
