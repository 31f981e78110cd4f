package storetest

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

func testSignup(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	alice := f.signup("alice@acme.io", "Acme", "Alice")
	if alice.ID == 0 || alice.WorkspaceID == 0 {
		t.Fatalf("Signup returned zero ids: %+v", alice)
	}
	if alice.Role != fechatter.RoleOwner {
		t.Fatalf("first user of a workspace has role %q, want owner", alice.Role)
	}
	if alice.Email != "alice@acme.io" || alice.Fullname != "Alice" || alice.Disabled {
		t.Fatalf("Signup returned %+v", alice)
	}
	wantUTC(t, "User.CreatedAt", alice.CreatedAt)

	bob := f.signup("bob@acme.io", "Acme", "Bob")
	if bob.WorkspaceID != alice.WorkspaceID || bob.ID == alice.ID {
		t.Fatalf("second user of Acme: %+v, first: %+v", bob, alice)
	}
	if bob.Role != fechatter.RoleMember {
		t.Fatalf("later user of a workspace has role %q, want member", bob.Role)
	}
	carol := f.signup("carol@other.io", "Other", "Carol")
	if carol.WorkspaceID == alice.WorkspaceID || carol.Role != fechatter.RoleOwner {
		t.Fatalf("first user of another workspace: %+v", carol)
	}

	_, err := s.Signup(f.ctx, fechatter.SignupParams{
		Email: "alice@acme.io", PasswordHash: "x", Fullname: "Alice Again", Workspace: "Ghost",
	})
	f.code(err, fechatter.EConflict, "Signup with a taken email")
	// The failed signup must not have left workspace Ghost behind: its next user owns it.
	dave := f.signup("dave@ghost.io", "Ghost", "Dave")
	if dave.Role != fechatter.RoleOwner {
		t.Fatalf("first user of Ghost after a failed signup has role %q, want owner", dave.Role)
	}
}

func testUserLookup(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	alice := f.signup("alice@acme.io", "Acme", "Alice")

	u, hash, err := s.UserByEmail(f.ctx, "alice@acme.io")
	f.ok(err, "UserByEmail")
	if d := diffUser(u, alice); d != "" {
		t.Fatalf("UserByEmail: %s", d)
	}
	if hash != "hash:alice@acme.io" {
		t.Fatalf("UserByEmail password hash = %q", hash)
	}
	wantUTC(t, "UserByEmail CreatedAt", u.CreatedAt)
	_, _, err = s.UserByEmail(f.ctx, "nobody@acme.io")
	f.code(err, fechatter.ENotFound, "UserByEmail unknown")

	u, err = s.User(f.ctx, alice.ID)
	f.ok(err, "User")
	if d := diffUser(u, alice); d != "" {
		t.Fatalf("User: %s", d)
	}
	_, err = s.User(f.ctx, alice.ID+1000)
	f.code(err, fechatter.ENotFound, "User unknown")
}

func testUsersSearch(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	ws := tm.alice.WorkspaceID
	names := func(us []fechatter.User) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.Fullname
		}
		return out
	}
	check := func(q string, limit int, want ...string) {
		t.Helper()
		us, err := s.Users(f.ctx, ws, q, limit)
		f.ok(err, "Users "+q)
		got := names(us)
		if len(got) != len(want) {
			t.Fatalf("Users(%q, %d) = %q, want %q", q, limit, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Users(%q, %d) = %q, want %q", q, limit, got, want)
			}
		}
	}
	check("smith", 10, "Alice Smith", "Carol SMITHERS") // case-insensitive, not Zed (Other)
	check("SMI", 1, "Alice Smith")                      // limited, by name
	check("ACME.IO", 10, "Alice Smith", "Bob Jones")    // email substring
	check("", 10, "Alice Smith", "Bob Jones", "Carol SMITHERS")
	check("nobody", 10)
	check("%", 10) // not a wildcard
	check("_", 10)

	us, err := s.Users(f.ctx, tm.zed.WorkspaceID, "", 10)
	f.ok(err, "Users Other")
	if len(us) != 1 || diffUser(us[0], tm.zed) != "" {
		t.Fatalf("Users(Other) = %+v, want only zed", us)
	}
}

func testUserAdmin(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	f.ok(s.SetUserDisabled(f.ctx, tm.bob.ID, true), "SetUserDisabled true")
	if u, err := s.User(f.ctx, tm.bob.ID); err != nil || !u.Disabled {
		t.Fatalf("after disabling: %+v, %v", u, err)
	}
	if u, err := s.User(f.ctx, tm.carol.ID); err != nil || u.Disabled {
		t.Fatalf("disabling bob touched carol: %+v, %v", u, err)
	}
	f.ok(s.SetUserDisabled(f.ctx, tm.bob.ID, false), "SetUserDisabled false")
	if u, err := s.User(f.ctx, tm.bob.ID); err != nil || u.Disabled {
		t.Fatalf("after enabling: %+v, %v", u, err)
	}

	f.ok(s.SetUserRole(f.ctx, tm.bob.ID, fechatter.RoleAdmin), "SetUserRole admin")
	if u, err := s.User(f.ctx, tm.bob.ID); err != nil || u.Role != fechatter.RoleAdmin {
		t.Fatalf("after SetUserRole: %+v, %v", u, err)
	}
	f.code(s.SetUserRole(f.ctx, tm.bob.ID, fechatter.Role("god")), fechatter.EInvalid, "SetUserRole bad role")
	f.code(s.SetUserRole(f.ctx, tm.bob.ID+1000, fechatter.RoleAdmin), fechatter.ENotFound, "SetUserRole unknown")
	f.code(s.SetUserDisabled(f.ctx, tm.bob.ID+1000, true), fechatter.ENotFound, "SetUserDisabled unknown")
}

func refresh(hash string, userID int64, family string, ttl time.Duration) fechatter.RefreshToken {
	return fechatter.RefreshToken{
		Hash: hash, UserID: userID, FamilyID: family, ExpiresAt: time.Now().Add(ttl),
	}
}

func testRefreshRotation(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	a := tm.alice.ID
	f.ok(s.CreateRefreshToken(f.ctx, refresh("t1", a, "fam-a", time.Hour)), "CreateRefreshToken")

	u, _, err := s.RotateRefreshToken(f.ctx, "t1", refresh("t2", a, "fam-a", time.Hour))
	f.ok(err, "Rotate t1")
	if diffUser(u, tm.alice) != "" {
		t.Fatalf("Rotate returned %+v, want alice", u)
	}
	_, _, err = s.RotateRefreshToken(f.ctx, "t1", refresh("t3", a, "fam-a", time.Hour))
	f.code(err, fechatter.EUnauthorized, "replaying a used token")
	_, _, err = s.RotateRefreshToken(f.ctx, "t2", refresh("t4", a, "fam-a", time.Hour))
	f.code(err, fechatter.EUnauthorized, "newest token after a replay (family revoked)")
	_, _, err = s.RotateRefreshToken(f.ctx, "t3", refresh("t5", a, "fam-a", time.Hour))
	f.code(err, fechatter.EUnauthorized, "token of a failed rotation")
	_, _, err = s.RotateRefreshToken(f.ctx, "nope", refresh("t6", a, "fam-a", time.Hour))
	f.code(err, fechatter.EUnauthorized, "unknown token")

	// Another family of the same user is unaffected, and rotates repeatedly.
	f.ok(s.CreateRefreshToken(f.ctx, refresh("g1", a, "fam-b", time.Hour)), "CreateRefreshToken g1")
	_, _, err = s.RotateRefreshToken(f.ctx, "g1", refresh("g2", a, "fam-b", time.Hour))
	f.ok(err, "Rotate g1")
	_, _, err = s.RotateRefreshToken(f.ctx, "g2", refresh("g3", a, "fam-b", time.Hour))
	f.ok(err, "Rotate g2")

	// next is stored in the old token's family whatever FamilyID it carries.
	_, _, err = s.RotateRefreshToken(f.ctx, "g3", refresh("g4", a, "elsewhere", time.Hour))
	f.ok(err, "Rotate g3")
	f.ok(s.RevokeRefreshFamily(f.ctx, "g1"), "RevokeRefreshFamily g1")
	_, _, err = s.RotateRefreshToken(f.ctx, "g4", refresh("g5", a, "fam-b", time.Hour))
	f.code(err, fechatter.EUnauthorized, "rotated token whose family was revoked")
}

func testRefreshExpired(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	a := tm.alice.ID
	f.ok(s.CreateRefreshToken(f.ctx, refresh("old", a, "fam", -time.Minute)), "CreateRefreshToken")
	_, _, err := s.RotateRefreshToken(f.ctx, "old", refresh("new", a, "fam", time.Hour))
	f.code(err, fechatter.EUnauthorized, "expired token")
	_, _, err = s.RotateRefreshToken(f.ctx, "new", refresh("newer", a, "fam", time.Hour))
	f.code(err, fechatter.EUnauthorized, "token of a rejected rotation")
}

func testRefreshRevoke(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	a := tm.alice.ID
	f.ok(s.CreateRefreshToken(f.ctx, refresh("t1", a, "fam-a", time.Hour)), "Create t1")
	f.ok(s.CreateRefreshToken(f.ctx, refresh("o1", a, "fam-o", time.Hour)), "Create o1")
	_, _, err := s.RotateRefreshToken(f.ctx, "t1", refresh("t2", a, "fam-a", time.Hour))
	f.ok(err, "Rotate t1")

	f.ok(s.RevokeRefreshFamily(f.ctx, "t2"), "RevokeRefreshFamily t2")
	_, _, err = s.RotateRefreshToken(f.ctx, "t2", refresh("t3", a, "fam-a", time.Hour))
	f.code(err, fechatter.EUnauthorized, "token of a revoked family")
	f.ok(s.RevokeRefreshFamily(f.ctx, "t2"), "RevokeRefreshFamily twice")
	f.ok(s.RevokeRefreshFamily(f.ctx, "unknown"), "RevokeRefreshFamily unknown")

	_, _, err = s.RotateRefreshToken(f.ctx, "o1", refresh("o2", a, "fam-o", time.Hour))
	f.ok(err, "Rotate a token of another family")
}

func testRefreshDisabledUser(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	b := tm.bob.ID
	f.ok(s.CreateRefreshToken(f.ctx, refresh("t1", b, "fam", time.Hour)), "Create t1")
	f.ok(s.SetUserDisabled(f.ctx, b, true), "disable bob")
	_, _, err := s.RotateRefreshToken(f.ctx, "t1", refresh("t2", b, "fam", time.Hour))
	f.code(err, fechatter.EUnauthorized, "rotation by a disabled user")
	f.ok(s.SetUserDisabled(f.ctx, b, false), "enable bob")
	// Disabling revoked the login: re-enabling does not bring it back.
	_, _, err = s.RotateRefreshToken(f.ctx, "t1", refresh("t2", b, "fam", time.Hour))
	f.code(err, fechatter.EUnauthorized, "Rotate a login from before the account was disabled")
}

func testRefreshCreate(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	f.ok(s.CreateRefreshToken(f.ctx, refresh("t1", tm.alice.ID, "fam", time.Hour)), "Create")
	err := s.CreateRefreshToken(f.ctx, refresh("t1", tm.alice.ID, "fam2", time.Hour))
	f.code(err, fechatter.EConflict, "Create with a duplicate hash")
	err = s.CreateRefreshToken(f.ctx, refresh("t9", tm.alice.ID+1000, "fam", time.Hour))
	f.code(err, fechatter.ENotFound, "Create for an unknown user")
}
