package storetest

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

// A workspace name is a display name: signing up with a taken one makes a new workspace.
func testWorkspaceNameIsNoKey(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	a, err := s.Signup(f.ctx, fechatter.SignupParams{Email: "a@acme.io", PasswordHash: "h", Fullname: "A", Workspace: "Acme"})
	f.ok(err, "Signup a")
	b, err := s.Signup(f.ctx, fechatter.SignupParams{Email: "b@evil.io", PasswordHash: "h", Fullname: "B", Workspace: "Acme"})
	f.ok(err, "Signup b")
	if a.WorkspaceID == b.WorkspaceID || b.Role != fechatter.RoleOwner {
		t.Fatalf("a signup naming an existing workspace joined it: %+v, first %+v", b, a)
	}
	us, err := s.Users(f.ctx, b.WorkspaceID, "", 10)
	f.ok(err, "Users")
	if len(us) != 1 || us[0].ID != b.ID {
		t.Fatalf("the newcomer sees %+v, want only themselves", us)
	}
	w, err := s.Workspace(f.ctx, b.WorkspaceID)
	f.ok(err, "Workspace")
	if w.Name != "Acme" || w.MembersCanInvite {
		t.Fatalf("Workspace = %+v", w)
	}
	yes, name := true, "  Acme Corp "
	w, err = s.UpdateWorkspace(f.ctx, a.WorkspaceID, fechatter.WorkspaceUpdate{Name: &name, MembersCanInvite: &yes})
	f.ok(err, "UpdateWorkspace")
	if w.Name != "Acme Corp" || !w.MembersCanInvite {
		t.Fatalf("UpdateWorkspace = %+v", w)
	}
	empty := " "
	_, err = s.UpdateWorkspace(f.ctx, a.WorkspaceID, fechatter.WorkspaceUpdate{Name: &empty})
	f.code(err, fechatter.EInvalid, "UpdateWorkspace with an empty name")
	_, err = s.Workspace(f.ctx, b.WorkspaceID+1000)
	f.code(err, fechatter.ENotFound, "Workspace unknown")

	// OnlyFirst: only an empty installation takes a new workspace.
	_, err = s.Signup(f.ctx, fechatter.SignupParams{Email: "c@x.io", PasswordHash: "h", Fullname: "C", Workspace: "X", OnlyFirst: true})
	f.code(err, fechatter.EForbidden, "Signup OnlyFirst on a used installation")
	_, err = s.Signup(f.ctx, fechatter.SignupParams{Email: "c@x.io", PasswordHash: "h", Fullname: "C", Workspace: "X", WorkspaceID: a.WorkspaceID})
	f.code(err, fechatter.EInvalid, "Signup naming two workspaces")
}

func testInvites(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	now := time.Now().UTC()
	invite := func(hash, email string, role fechatter.Role, uses int, ttl time.Duration) fechatter.Invite {
		t.Helper()
		inv, err := s.CreateInvite(f.ctx, fechatter.Invite{WorkspaceID: tm.alice.WorkspaceID, TokenHash: hash,
			Email: email, Role: role, MaxUses: uses, ExpiresAt: now.Add(ttl), CreatedBy: tm.alice.ID})
		f.ok(err, "CreateInvite "+hash)
		return inv
	}
	join := func(hash, email string) (fechatter.User, error) {
		return s.Signup(f.ctx, fechatter.SignupParams{Email: email, PasswordHash: "h", Fullname: email, InviteHash: hash})
	}
	open := invite("open", "", fechatter.RoleMember, 2, time.Hour)
	if open.ID == 0 || open.Uses != 0 || open.CreatedAt.IsZero() || !open.ExpiresAt.Equal(now.Add(time.Hour).Truncate(time.Microsecond)) {
		t.Fatalf("CreateInvite = %+v", open)
	}
	got, ws, err := s.InviteByHash(f.ctx, "open")
	f.ok(err, "InviteByHash")
	if got.ID != open.ID || ws.ID != tm.alice.WorkspaceID {
		t.Fatalf("InviteByHash = %+v in %+v", got, ws)
	}
	u1, err := join("open", "new1@x.io")
	f.ok(err, "Signup with invite")
	if u1.WorkspaceID != tm.alice.WorkspaceID || u1.Role != fechatter.RoleMember {
		t.Fatalf("invited user = %+v", u1)
	}
	_, err = join("open", "new2@x.io")
	f.ok(err, "Signup with invite, second use")
	_, err = join("open", "new3@x.io")
	f.code(err, fechatter.EInvalid, "Signup with a used-up invite")
	if _, _, err := s.UserByEmail(f.ctx, "new3@x.io"); fechatter.ErrorCode(err) != fechatter.ENotFound {
		t.Fatalf("a refused invite signup created the user: %v", err)
	}

	invite("admin", "boss@x.io", fechatter.RoleAdmin, 1, time.Hour)
	_, err = join("admin", "someone@x.io")
	f.code(err, fechatter.EInvalid, "Signup with an invite bound to another email")
	boss, err := join("admin", "BOSS@x.io")
	f.ok(err, "Signup with an email-bound invite")
	if boss.Role != fechatter.RoleAdmin {
		t.Fatalf("admin invite made %+v", boss)
	}

	invite("old", "", fechatter.RoleMember, 5, -time.Second)
	_, err = join("old", "late@x.io")
	f.code(err, fechatter.EInvalid, "Signup with an expired invite")
	_, _, err = s.InviteByHash(f.ctx, "old")
	f.code(err, fechatter.EInvalid, "InviteByHash expired")
	_, err = join("nope", "guess@x.io")
	f.code(err, fechatter.EInvalid, "Signup with an unknown invite")

	gone := invite("gone", "", fechatter.RoleMember, 5, time.Hour)
	_, err = s.RevokeInvite(f.ctx, tm.zed.WorkspaceID, gone.ID, 0)
	f.code(err, fechatter.ENotFound, "RevokeInvite of another workspace")
	_, err = s.RevokeInvite(f.ctx, tm.alice.WorkspaceID, gone.ID, tm.bob.ID)
	f.code(err, fechatter.ENotFound, "RevokeInvite of another user's invite")
	rev, err := s.RevokeInvite(f.ctx, tm.alice.WorkspaceID, gone.ID, tm.alice.ID)
	f.ok(err, "RevokeInvite")
	if rev.RevokedAt == nil {
		t.Fatalf("RevokeInvite = %+v", rev)
	}
	_, err = join("gone", "rev@x.io")
	f.code(err, fechatter.EInvalid, "Signup with a revoked invite")

	list, err := s.Invites(f.ctx, tm.alice.WorkspaceID, 10)
	f.ok(err, "Invites")
	if len(list) != 4 || list[0].ID != gone.ID || list[0].RevokedAt == nil || list[3].Uses != 2 {
		t.Fatalf("Invites = %+v", list)
	}
	if other, err := s.Invites(f.ctx, tm.zed.WorkspaceID, 10); err != nil || len(other) != 0 {
		t.Fatalf("another workspace lists %+v, %v", other, err)
	}
	_, err = s.CreateInvite(f.ctx, fechatter.Invite{WorkspaceID: tm.alice.WorkspaceID, TokenHash: "x",
		Role: fechatter.RoleOwner, MaxUses: 1, ExpiresAt: now.Add(time.Hour), CreatedBy: tm.alice.ID})
	f.code(err, fechatter.EInvalid, "CreateInvite for an owner")
}

func testSessions(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	b := tm.bob.ID
	f.ok(s.CreateRefreshToken(f.ctx, refresh("s1", b, "fam-1", time.Hour)), "CreateRefreshToken s1")
	f.ok(s.CreateRefreshToken(f.ctx, refresh("s2", b, "fam-2", time.Hour)), "CreateRefreshToken s2")
	f.ok(s.CreateRefreshToken(f.ctx, refresh("s3", b, "fam-3", time.Hour)), "CreateRefreshToken s3")
	live := func(fam string, want bool) {
		t.Helper()
		u, err := s.UserSession(f.ctx, b, fam)
		if want {
			f.ok(err, "UserSession "+fam)
			if u.ID != b {
				t.Fatalf("UserSession %s = %+v", fam, u)
			}
			return
		}
		f.code(err, fechatter.EUnauthorized, "UserSession "+fam)
	}
	live("fam-1", true)
	live("nope", false)
	if _, err := s.UserSession(f.ctx, tm.alice.ID, "fam-1"); fechatter.ErrorCode(err) != fechatter.EUnauthorized {
		t.Fatalf("another user's session accepted: %v", err)
	}
	// A rotated session stays live; a logged-out one ends.
	_, fam, err := s.RotateRefreshToken(f.ctx, "s1", refresh("s1b", b, "elsewhere", time.Hour))
	f.ok(err, "Rotate s1")
	if fam != "fam-1" {
		t.Fatalf("RotateRefreshToken put the next token in session %q, want fam-1", fam)
	}
	live("fam-1", true)
	f.ok(s.RevokeRefreshFamily(f.ctx, "s2"), "RevokeRefreshFamily")
	live("fam-2", false)

	f.ok(s.SetPassword(f.ctx, b, "new-hash", "fam-1"), "SetPassword")
	live("fam-1", true)
	live("fam-3", false)
	if _, hash, _ := s.UserByEmail(f.ctx, tm.bob.Email); hash != "new-hash" {
		t.Fatalf("SetPassword left hash %q", hash)
	}
	f.ok(s.CreateRefreshToken(f.ctx, refresh("s4", b, "fam-4", time.Hour)), "CreateRefreshToken s4")
	f.ok(s.RevokeSessions(f.ctx, b, ""), "RevokeSessions")
	live("fam-1", false)
	live("fam-4", false)
	_, _, err = s.RotateRefreshToken(f.ctx, "s4", refresh("s4b", b, "fam-4", time.Hour))
	f.code(err, fechatter.EUnauthorized, "Rotate after RevokeSessions")

	// Disabling ends every session, and re-enabling brings none back.
	f.ok(s.CreateRefreshToken(f.ctx, refresh("s5", b, "fam-5", time.Hour)), "CreateRefreshToken s5")
	f.ok(s.SetUserDisabled(f.ctx, b, true), "disable")
	live("fam-5", false)
	f.ok(s.SetUserDisabled(f.ctx, b, false), "enable")
	live("fam-5", false)
	_, _, err = s.RotateRefreshToken(f.ctx, "s5", refresh("s5b", b, "fam-5", time.Hour))
	f.code(err, fechatter.EUnauthorized, "Rotate an old login after re-enabling")
	f.ok(s.CreateRefreshToken(f.ctx, refresh("c1", tm.carol.ID, "fam-c", time.Hour)), "carol login")
	if _, err := s.UserSession(f.ctx, tm.carol.ID, "fam-c"); err != nil {
		t.Fatalf("bob's revocations touched carol: %v", err)
	}
}

// Someone outside a chat learns nothing of it: not whether it exists, not whether a message
// id is real, and a disabled member writes nothing.
func testStrangersLearnNothing(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	m := f.send(g.ID, tm.alice.ID, "a1", "secret")
	_, err := s.Edit(f.ctx, fechatter.EditParams{ChatID: g.ID, MessageID: m.Message.ID, EditorID: tm.zed.ID, Text: "x"})
	f.code(err, fechatter.ENotFound, "Edit by a stranger")
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m.Message.ID, ActorID: tm.carol.ID})
	f.code(err, fechatter.ENotFound, "Delete by a non-member")
	_, _, err = s.Send(f.ctx, fechatter.SendParams{ChatID: g.ID, SenderID: tm.zed.ID, ClientID: "z1", Text: "hi"})
	f.code(err, fechatter.ENotFound, "Send by a stranger")
	f.ok(s.SetUserDisabled(f.ctx, tm.bob.ID, true), "disable bob")
	_, _, err = s.Send(f.ctx, fechatter.SendParams{ChatID: g.ID, SenderID: tm.bob.ID, ClientID: "b1", Text: "hi"})
	f.code(err, fechatter.ENotFound, "Send by a disabled member")
	res := s.SendBatch(f.ctx, []fechatter.SendParams{{ChatID: g.ID, SenderID: tm.bob.ID, ClientID: "b2", Text: "hi"}})
	f.code(res[0].Err, fechatter.ENotFound, "SendBatch by a disabled member")
	if c := f.chat(g.ID); c.LastSeq != 1 {
		t.Fatalf("refused writes moved the seq to %d", c.LastSeq)
	}
}

func testAuditLog(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	ws := tm.alice.WorkspaceID
	for i, action := range []string{"user.disable", "chat.archive", "user.disable"} {
		f.ok(s.Audit(f.ctx, fechatter.AuditEntry{WorkspaceID: ws, ActorID: tm.alice.ID, Action: action,
			TargetType: "user", TargetID: int64(i + 1), Detail: []byte(`{"n":1}`)}), "Audit")
	}
	f.ok(s.Audit(f.ctx, fechatter.AuditEntry{WorkspaceID: tm.zed.WorkspaceID, ActorID: tm.zed.ID, Action: "user.disable"}), "Audit zed")
	page, more, err := s.AuditLog(f.ctx, fechatter.AuditQuery{WorkspaceID: ws, Limit: 2})
	f.ok(err, "AuditLog")
	if len(page) != 2 || !more || page[0].TargetID != 3 || page[1].Action != "chat.archive" || string(page[0].Detail) != `{"n": 1}` && string(page[0].Detail) != `{"n":1}` {
		t.Fatalf("AuditLog page 1 = %+v more=%v", page, more)
	}
	wantUTC(t, "AuditEntry.CreatedAt", page[0].CreatedAt)
	rest, more, err := s.AuditLog(f.ctx, fechatter.AuditQuery{WorkspaceID: ws, Before: page[1].ID, Limit: 2})
	f.ok(err, "AuditLog page 2")
	if len(rest) != 1 || more || rest[0].TargetID != 1 {
		t.Fatalf("AuditLog page 2 = %+v more=%v", rest, more)
	}
	only, _, err := s.AuditLog(f.ctx, fechatter.AuditQuery{WorkspaceID: ws, Action: "user.disable", ActorID: tm.alice.ID, Limit: 10})
	f.ok(err, "AuditLog filtered")
	if len(only) != 2 {
		t.Fatalf("AuditLog by action = %+v", only)
	}
	f.code(s.Audit(f.ctx, fechatter.AuditEntry{WorkspaceID: ws}), fechatter.EInvalid, "Audit without actor")
}
