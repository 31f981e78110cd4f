package fechatter

// The role rules of a workspace: owner > admins > members. Every transport and both stores
// ask these functions, so the rules are written once.

// rank orders workspace and chat roles; unknown roles rank lowest.
func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 3
	case RoleAdmin:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// Outranks reports whether r is strictly above o.
func (r Role) Outranks(o Role) bool { return r.rank() > o.rank() }

// CanAdminister reports whether a workspace user with role actor may change (disable,
// re-enable, change the role of) a user with role target: admins act on members only, the
// owner on everyone but themselves, and nobody on the owner.
func CanAdminister(actor, target Role) bool {
	return actor.CanManage() && actor.Outranks(target)
}

// CanGrant reports whether actor may give someone the workspace role role, directly or by
// invitation: only the owner makes admins, and nobody makes an owner.
func CanGrant(actor, role Role) bool {
	switch role {
	case RoleMember:
		return true
	case RoleAdmin:
		return actor == RoleOwner
	}
	return false
}

// CanInvite reports whether a user with workspace role r may invite people to ws.
func CanInvite(r Role, ws Workspace) bool { return r.CanManage() || ws.MembersCanInvite }

// CanUnarchive reports whether someone may un-archive chat: a workspace admin always, the
// chat's own owner or admins only when no workspace admin archived it.
func CanUnarchive(chat Chat, workspaceRole, chatRole Role) bool {
	if workspaceRole.CanManage() {
		return true
	}
	return !chat.AdminArchived && chatRole.CanManage()
}
