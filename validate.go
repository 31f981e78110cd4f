package fechatter

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// CheckText validates a message body as every transport and store must: valid UTF-8, not
// only whitespace, at most MaxTextRunes characters. Errors name the field "text".
func CheckText(s string) error {
	if !utf8.ValidString(s) {
		return Errorf(EInvalid, "field \"text\" is not valid UTF-8")
	}
	if strings.TrimSpace(s) == "" {
		return Errorf(EInvalid, "field \"text\" is empty")
	}
	if n := utf8.RuneCountInString(s); n > MaxTextRunes {
		return Errorf(ETooLarge, "field \"text\" has %d characters, the limit is %d", n, MaxTextRunes)
	}
	return nil
}

// ValidClientID reports whether s is a UUID in the canonical 8-4-4-4-12 hex form, the only
// form a send's client_id may take.
func ValidClientID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// The input rules every store applies, kept here so that SQLite and PostgreSQL cannot drift.

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleMember }

// Validate checks what a store needs to create a user.
func (p SignupParams) Validate() error {
	if p.Email == "" {
		return Errorf(EInvalid, "email is required")
	}
	ways := 0
	for _, set := range []bool{strings.TrimSpace(p.Workspace) != "", p.InviteHash != "", p.WorkspaceID > 0} {
		if set {
			ways++
		}
	}
	if ways != 1 {
		return Errorf(EInvalid, "exactly one of workspace, invite or workspace id is required")
	}
	return nil
}

// ErrBadInvite is the one answer to an invitation that cannot be used, whatever the reason,
// so that a guess learns nothing about a workspace.
func ErrBadInvite() *Error {
	return Errorf(EInvalid, "field \"invite\" is not a valid invitation: it may have expired, been used up or revoked")
}

// ErrSessionEnded answers a token of a session that was revoked (logout, logout everywhere,
// a password change, a disabled account) or never existed.
func ErrSessionEnded() *Error { return Errorf(EUnauthorized, "session ended; log in again") }

// LiveSession is the rule for an access token's user, found with whether the token's session
// (its refresh token family) is still live: a disabled account or an ended session is refused.
func LiveSession(u User, live bool) (User, error) {
	switch {
	case u.Disabled:
		return User{}, Errorf(EUnauthorized, "account disabled")
	case !live:
		return User{}, ErrSessionEnded()
	}
	return u, nil
}

// ErrInviteOnly answers a signup without an invitation on a server that takes invited
// signups only.
func ErrInviteOnly() *Error {
	return Errorf(EForbidden, "this server takes invited signups only: ask a workspace admin for an invitation")
}

// Validate checks an invitation before it is stored.
func (i Invite) Validate() error {
	switch {
	case i.WorkspaceID <= 0 || i.CreatedBy <= 0 || i.TokenHash == "":
		return Errorf(EInvalid, "invite workspace, creator and token are required")
	case i.Role != RoleAdmin && i.Role != RoleMember:
		return Errorf(EInvalid, "an invite's role is admin or member")
	case i.MaxUses < 1:
		return Errorf(EInvalid, "an invite's max_uses is at least 1")
	}
	return nil
}

// Validate checks an audit entry before it is stored.
func (e AuditEntry) Validate() error {
	if e.WorkspaceID <= 0 || e.ActorID <= 0 || e.Action == "" {
		return Errorf(EInvalid, "audit entries need a workspace, an actor and an action")
	}
	return nil
}

// Validate checks a refresh token record before it is stored.
func (t RefreshToken) Validate() error {
	if t.Hash == "" || t.FamilyID == "" {
		return Errorf(EInvalid, "refresh token hash and family are required")
	}
	return nil
}

// CheckChatName validates a chat name for kind: direct chats have none, channels need one,
// and no name is longer than MaxChatName characters.
func CheckChatName(kind ChatKind, name string) error {
	switch {
	case kind == ChatDirect && name != "":
		return Errorf(EInvalid, "a direct chat has no name")
	case kind == ChatChannel && strings.TrimSpace(name) == "":
		return Errorf(EInvalid, "a channel needs a name")
	case utf8.RuneCountInString(name) > MaxChatName:
		return Errorf(EInvalid, "chat name is longer than %d characters", MaxChatName)
	}
	return nil
}

// Others validates p and returns the members besides the creator, sorted and distinct.
func (p CreateChatParams) Others() ([]int64, error) {
	if !p.Kind.Valid() {
		return nil, Errorf(EInvalid, "unknown chat kind %q", p.Kind)
	}
	if err := CheckChatName(p.Kind, p.Name); err != nil {
		return nil, err
	}
	others := DistinctIDs(p.MemberIDs, p.CreatorID)
	if p.Kind == ChatDirect && len(others) != 1 {
		return nil, Errorf(EInvalid, "a direct chat has exactly two members")
	}
	return others, nil
}

// DistinctIDs returns ids sorted, without duplicates and without except.
func DistinctIDs(ids []int64, except int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != except {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// DirectKey identifies the direct chat of two users within a workspace (stores keep it unique).
func DirectKey(a, b int64) string {
	return fmt.Sprintf("%d:%d", min(a, b), max(a, b))
}

// Validate checks a chat update against the chat's kind.
func (u ChatUpdate) Validate(kind ChatKind) error {
	if u.Name != nil {
		if err := CheckChatName(kind, *u.Name); err != nil {
			return err
		}
	}
	if u.Topic != nil {
		if kind == ChatDirect && *u.Topic != "" {
			return Errorf(EInvalid, "a direct chat has no topic")
		}
		if utf8.RuneCountInString(*u.Topic) > MaxTopic {
			return Errorf(EInvalid, "field \"topic\" is longer than %d characters", MaxTopic)
		}
	}
	if kind == ChatDirect && u.Private != nil && !*u.Private {
		return Errorf(EInvalid, "a direct chat is always private")
	}
	return nil
}

// EffectiveLimit validates q and returns its page size: DefaultHistory when unset, at most
// MaxHistoryLimit.
func (q MessageQuery) EffectiveLimit() (int, error) {
	switch {
	case q.Before != 0 && (q.After != 0 || q.Forward):
		return 0, Errorf(EInvalid, "before and after are exclusive")
	case q.Before < 0 || q.After < 0:
		return 0, Errorf(EInvalid, "before and after must not be negative")
	case q.Limit < 0:
		return 0, Errorf(EInvalid, "limit must not be negative")
	case q.Limit == 0:
		return DefaultHistory, nil
	}
	return min(q.Limit, MaxHistoryLimit), nil
}

// CheckLimit validates the limit of a list call.
func CheckLimit(limit int) error {
	if limit <= 0 {
		return Errorf(EInvalid, "limit must be positive")
	}
	return nil
}

// Admits reports whether the invitation may be used by email: anyone when it is not bound
// to an address.
func (i Invite) Admits(email string) bool { return i.Email == "" || strings.EqualFold(i.Email, email) }

// Validate checks a workspace update.
func (u WorkspaceUpdate) Validate() error {
	if u.Name != nil {
		if n := utf8.RuneCountInString(strings.TrimSpace(*u.Name)); n == 0 || n > MaxWorkspaceName {
			return Errorf(EInvalid, "a workspace name has 1 to %d characters", MaxWorkspaceName)
		}
	}
	return nil
}

// Apply writes the update's fields into w.
func (u WorkspaceUpdate) Apply(w *Workspace) {
	if u.Name != nil {
		w.Name = strings.TrimSpace(*u.Name)
	}
	if u.MembersCanInvite != nil {
		w.MembersCanInvite = *u.MembersCanInvite
	}
}

// DetailJSON is the entry's detail as stored: a JSON object, {} when empty.
func (e AuditEntry) DetailJSON() []byte {
	if len(e.Detail) == 0 {
		return []byte("{}")
	}
	return e.Detail
}

// ErrBadThread answers a reply to a message that is not in the chat.
func ErrBadThread() *Error {
	return Errorf(EInvalid, "field \"thread_id\" is not a message of this chat")
}
