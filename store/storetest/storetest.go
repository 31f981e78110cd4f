package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

// testTimeout bounds every test, so a deadlocked store fails instead of hanging.
const testTimeout = 2 * time.Minute

type testCase struct {
	name string
	fn   func(t *testing.T, s fechatter.Store)
}

// Run runs the conformance suite. open must return a fresh, empty store on every call and
// register its cleanup (closing the store, removing its files or database) with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) fechatter.Store) {
	t.Helper()
	for _, tc := range slices.Concat(cases(), searchCases(), fileCases()) {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

func cases() []testCase {
	return []testCase{
		{"Ping", testPing},
		{"Signup", testSignup},
		{"UserLookup", testUserLookup},
		{"UsersSearch", testUsersSearch},
		{"UserAdmin", testUserAdmin},
		{"RefreshRotation", testRefreshRotation},
		{"RefreshExpired", testRefreshExpired},
		{"RefreshRevoke", testRefreshRevoke},
		{"RefreshDisabledUser", testRefreshDisabledUser},
		{"RefreshCreate", testRefreshCreate},
		{"CreateGroupAndChannel", testCreateGroupAndChannel},
		{"CreateDirect", testCreateDirect},
		{"CreateChatInvalid", testCreateChatInvalid},
		{"UpdateChat", testUpdateChat},
		{"AddMembers", testAddMembers},
		{"RemoveMember", testRemoveMember},
		{"DirectMembershipFixed", testDirectMembershipFixed},
		{"ChatsForUser", testChatsForUser},
		{"MarkRead", testMarkRead},
		{"Send", testSend},
		{"SendIdempotent", testSendIdempotent},
		{"SendErrors", testSendErrors},
		{"Edit", testEdit},
		{"Delete", testDelete},
		{"Events", testEvents},
		{"Messages", testMessages},
		{"MessagesErrors", testMessagesErrors},
		{"ConcurrentSends", testConcurrentSends},
		{"ConcurrentResends", testConcurrentResends},
		{"ConcurrentCrossChat", testConcurrentCrossChat},
		{"SendBatch", testSendBatch},
		{"ConcurrentBatches", testConcurrentBatches},
		{"MemberCount", testMemberCount},
		{"ModeratorDelete", testModeratorDelete},
		{"SetMemberRole", testSetMemberRole},
		{"WorkspaceNameIsNoKey", testWorkspaceNameIsNoKey},
		{"Invites", testInvites},
		{"Sessions", testSessions},
		{"StrangersLearnNothing", testStrangersLearnNothing},
		{"AuditLog", testAuditLog},
		{"Reactions", testReactions},
		{"ConcurrentReactions", testConcurrentReactions},
		{"PinsAndSaved", testPinsAndSaved},
		{"Threads", testThreads},
		{"Mentions", testMentions},
		{"ChannelsTopicsAndReads", testChannelsTopicsAndReads},
		{"ReadsOf", testReadsOf},
		{"MessageActivity", testMessageActivity},
		{"Preferences", testPreferences},
		{"ChannelNamesUnique", testChannelNamesUnique},
	}
}

// fx bundles a store under test with the helpers the tests share. Its helpers fail the test
// on any error.
type fx struct {
	t          *testing.T
	s          fechatter.Store
	ctx        context.Context
	workspaces map[string]int64 // by name, for signup
}

func newFx(t *testing.T, s fechatter.Store) *fx {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return &fx{t: t, s: s, ctx: ctx}
}

func (f *fx) ok(err error, what string) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// code fails the test unless err carries the application error code want.
func (f *fx) code(err error, want, what string) {
	f.t.Helper()
	if got := fechatter.ErrorCode(err); got != want {
		f.t.Fatalf("%s: error code %q (err: %v), want %q", what, got, err, want)
	}
}

// signup creates a user in the workspace of that name: the first creates it (as its owner),
// the next ones join it, as seeding does (people join by invitation; see testInvites).
func (f *fx) signup(email, workspace, name string) fechatter.User {
	f.t.Helper()
	p := fechatter.SignupParams{Email: email, PasswordHash: "hash:" + email, Fullname: name}
	if id, ok := f.workspaces[workspace]; ok {
		p.WorkspaceID = id
	} else {
		p.Workspace = workspace
	}
	u, err := f.s.Signup(f.ctx, p)
	f.ok(err, "Signup "+email)
	if f.workspaces == nil {
		f.workspaces = map[string]int64{}
	}
	f.workspaces[workspace] = u.WorkspaceID
	return u
}

func (f *fx) removeMember(chatID, userID int64) {
	f.t.Helper()
	_, err := f.s.RemoveMember(f.ctx, chatID, userID, userID)
	f.ok(err, "RemoveMember")
}

// team is the usual cast: alice (owner), bob and carol in workspace Acme, zed in Other.
type team struct{ alice, bob, carol, zed fechatter.User }

func (f *fx) team() team {
	f.t.Helper()
	return team{
		alice: f.signup("alice@acme.io", "Acme", "Alice Smith"),
		bob:   f.signup("bob@acme.io", "Acme", "Bob Jones"),
		carol: f.signup("carol@example.com", "Acme", "Carol SMITHERS"),
		zed:   f.signup("zed@other.io", "Other", "Zed Smith"),
	}
}

func (f *fx) createChat(p fechatter.CreateChatParams) fechatter.Chat {
	f.t.Helper()
	c, created, err := f.s.CreateChat(f.ctx, p)
	f.ok(err, "CreateChat")
	if !created {
		f.t.Fatalf("CreateChat %+v: created=false for a new chat", p)
	}
	return c
}

func (f *fx) group(creator fechatter.User, members ...fechatter.User) fechatter.Chat {
	f.t.Helper()
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	return f.createChat(fechatter.CreateChatParams{
		WorkspaceID: creator.WorkspaceID, CreatorID: creator.ID, Kind: fechatter.ChatGroup,
		Name: "team", MemberIDs: ids,
	})
}

func (f *fx) send(chatID, sender int64, clientID, text string) fechatter.Event {
	f.t.Helper()
	ev, created, err := f.s.Send(f.ctx, fechatter.SendParams{
		ChatID: chatID, SenderID: sender, ClientID: clientID, Text: text,
	})
	f.ok(err, "Send "+clientID)
	if !created {
		f.t.Fatalf("Send %s: created=false for a new client id", clientID)
	}
	return ev
}

func (f *fx) chat(id int64) fechatter.Chat {
	f.t.Helper()
	c, err := f.s.Chat(f.ctx, id)
	f.ok(err, "Chat")
	return c
}

func (f *fx) events(chatID int64) []fechatter.Event {
	f.t.Helper()
	evs, err := f.s.Events(f.ctx, chatID, 0, 100000)
	f.ok(err, "Events")
	return evs
}

func (f *fx) summary(userID, chatID int64) fechatter.ChatSummary {
	f.t.Helper()
	list, err := f.s.ChatsForUser(f.ctx, userID)
	f.ok(err, "ChatsForUser")
	for _, cs := range list {
		if cs.ID == chatID {
			return cs
		}
	}
	f.t.Fatalf("ChatsForUser(%d): chat %d missing from %+v", userID, chatID, list)
	return fechatter.ChatSummary{}
}

func wantUTC(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.IsZero() {
		t.Fatalf("%s is zero", what)
	}
	if tm.Location() != time.UTC {
		t.Fatalf("%s = %v is in %v, want UTC", what, tm, tm.Location())
	}
	if d := time.Since(tm); d > time.Hour || d < -time.Hour {
		t.Fatalf("%s = %v is far from now", what, tm)
	}
}

func wantIDs(t *testing.T, what string, got, want []int64) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func diffUser(a, b fechatter.User) string {
	if a.ID != b.ID || a.WorkspaceID != b.WorkspaceID || a.Email != b.Email ||
		a.Fullname != b.Fullname || a.Role != b.Role || a.Disabled != b.Disabled ||
		!a.CreatedAt.Equal(b.CreatedAt) {
		return fmt.Sprintf("%+v != %+v", a, b)
	}
	return ""
}

func diffChat(a, b fechatter.Chat) string {
	if a.ID != b.ID || a.WorkspaceID != b.WorkspaceID || a.Kind != b.Kind || a.Name != b.Name ||
		a.Private != b.Private || a.OwnerID != b.OwnerID || a.Archived != b.Archived ||
		a.LastSeq != b.LastSeq || !a.CreatedAt.Equal(b.CreatedAt) {
		return fmt.Sprintf("%+v != %+v", a, b)
	}
	return ""
}

func diffMessage(a, b fechatter.Message) string {
	same := a.ID == b.ID && a.ChatID == b.ChatID && a.Seq == b.Seq && a.SenderID == b.SenderID &&
		a.ClientID == b.ClientID && a.Text == b.Text && a.CreatedAt.Equal(b.CreatedAt) &&
		a.Deleted == b.Deleted && (a.EditedAt == nil) == (b.EditedAt == nil) &&
		(a.EditedAt == nil || a.EditedAt.Equal(*b.EditedAt))
	if same {
		return ""
	}
	return fmt.Sprintf("%s != %s", fmtMessage(a), fmtMessage(b))
}

func fmtMessage(m fechatter.Message) string {
	edited := "nil"
	if m.EditedAt != nil {
		edited = m.EditedAt.String()
	}
	return fmt.Sprintf("{ID:%d Chat:%d Seq:%d Sender:%d Client:%q Text:%q Created:%v Edited:%s Deleted:%v}",
		m.ID, m.ChatID, m.Seq, m.SenderID, m.ClientID, m.Text, m.CreatedAt, edited, m.Deleted)
}

func seqsOf(evs []fechatter.Event) []int64 {
	out := make([]int64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}

func msgSeqs(ms []fechatter.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

func testPing(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	f.ok(s.Ping(f.ctx), "Ping")
}
