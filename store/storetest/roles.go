package storetest

import (
	"testing"

	"github.com/fechatter/fechatter"
)

// testSetMemberRole: an admin made by SetMemberRole may delete others' messages; the owner's
// role cannot change; only admin and member are roles to set.
func testSetMemberRole(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob, tm.carol)
	m := f.send(g.ID, tm.carol.ID, "c", "carol's").Message
	f.code(s.SetMemberRole(f.ctx, g.ID, tm.bob.ID, fechatter.RoleOwner), fechatter.EInvalid, "SetMemberRole owner")
	f.code(s.SetMemberRole(f.ctx, g.ID, tm.alice.ID, fechatter.RoleMember), fechatter.ENotFound, "SetMemberRole of the owner")
	f.code(s.SetMemberRole(f.ctx, g.ID, tm.zed.ID, fechatter.RoleAdmin), fechatter.ENotFound, "SetMemberRole of a non-member")
	f.ok(s.SetMemberRole(f.ctx, g.ID, tm.bob.ID, fechatter.RoleAdmin), "SetMemberRole admin")
	mb, err := s.Member(f.ctx, g.ID, tm.bob.ID)
	f.ok(err, "Member")
	if mb.Role != fechatter.RoleAdmin {
		t.Fatalf("bob's role = %q, want admin", mb.Role)
	}
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m.ID, ActorID: tm.bob.ID})
	f.ok(err, "Delete by a chat admin")
	f.ok(s.SetMemberRole(f.ctx, g.ID, tm.bob.ID, fechatter.RoleMember), "SetMemberRole member")
	if mb, _ := s.Member(f.ctx, g.ID, tm.bob.ID); mb.Role != fechatter.RoleMember {
		t.Fatalf("bob's role = %q, want member", mb.Role)
	}
}
