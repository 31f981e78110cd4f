package fechatter

import "testing"

// The whole role table, so a change to one rule shows up as a changed row.
func TestRoleRules(t *testing.T) {
	roles := []Role{RoleOwner, RoleAdmin, RoleMember, Role("guest")}

	// CanAdminister: the owner acts on admins and members, admins on members, nobody on the
	// owner or on their equals (finding 5: admins disabled other admins).
	administer := map[[2]Role]bool{
		{RoleOwner, RoleAdmin}: true, {RoleOwner, RoleMember}: true, {RoleOwner, "guest"}: true,
		{RoleAdmin, RoleMember}: true, {RoleAdmin, "guest"}: true,
	}
	// CanGrant: only the owner makes admins; anyone who may invite makes members; no owners.
	grant := map[[2]Role]bool{
		{RoleOwner, RoleAdmin}: true, {RoleOwner, RoleMember}: true,
		{RoleAdmin, RoleMember}: true, {RoleMember, RoleMember}: true, {"guest", RoleMember}: true,
	}
	for _, a := range roles {
		for _, b := range roles {
			if got := CanAdminister(a, b); got != administer[[2]Role{a, b}] {
				t.Errorf("CanAdminister(%q, %q) = %v", a, b, got)
			}
			if got := CanGrant(a, b); got != grant[[2]Role{a, b}] {
				t.Errorf("CanGrant(%q, %q) = %v", a, b, got)
			}
		}
		open, closed := Workspace{MembersCanInvite: true}, Workspace{}
		if got, want := CanInvite(a, closed), a == RoleOwner || a == RoleAdmin; got != want {
			t.Errorf("CanInvite(%q, members may not) = %v", a, got)
		}
		if !CanInvite(a, open) {
			t.Errorf("CanInvite(%q, members may) = false", a)
		}
	}

	// CanUnarchive: a chat a workspace admin archived stays archived for the chat's own owner
	// (finding 5); one its owner archived, its owner and admins un-archive.
	for _, tt := range []struct {
		byAdmin         bool
		workspace, chat Role
		want            bool
	}{
		{true, RoleMember, RoleOwner, false},
		{true, RoleMember, RoleAdmin, false},
		{true, RoleAdmin, RoleMember, true},
		{true, RoleOwner, RoleMember, true},
		{false, RoleMember, RoleOwner, true},
		{false, RoleMember, RoleAdmin, true},
		{false, RoleMember, RoleMember, false},
		{false, RoleAdmin, RoleMember, true},
	} {
		chat := Chat{Archived: true, AdminArchived: tt.byAdmin}
		if got := CanUnarchive(chat, tt.workspace, tt.chat); got != tt.want {
			t.Errorf("CanUnarchive(archived by admin %v, workspace %q, chat %q) = %v", tt.byAdmin, tt.workspace, tt.chat, got)
		}
	}
}
