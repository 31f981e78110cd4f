package postgres

// The input checks below are the same in store/sqlite and store/postgres: keep the two files
// identical but for the package clause.

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fechatter/fechatter"
)

func invalid(format string, args ...any) error {
	return fechatter.Errorf(fechatter.EInvalid, format, args...)
}

func validRole(r fechatter.Role) bool {
	return r == fechatter.RoleOwner || r == fechatter.RoleAdmin || r == fechatter.RoleMember
}

func checkSignup(p fechatter.SignupParams) error {
	if p.Email == "" {
		return invalid("email is required")
	}
	if strings.TrimSpace(p.Workspace) == "" {
		return invalid("workspace is required")
	}
	return nil
}

func checkRefreshToken(t fechatter.RefreshToken) error {
	if t.Hash == "" || t.FamilyID == "" {
		return invalid("refresh token hash and family are required")
	}
	return nil
}

// checkText validates a message text: not blank, at most MaxTextRunes characters.
func checkText(text string) error {
	if strings.TrimSpace(text) == "" {
		return invalid("text is required")
	}
	if utf8.RuneCountInString(text) > fechatter.MaxTextRunes {
		return fechatter.Errorf(fechatter.ETooLarge, "text is longer than %d characters", fechatter.MaxTextRunes)
	}
	return nil
}

// checkChatName validates a chat name for kind: direct chats have none, channels need one,
// and no name is longer than MaxChatName characters.
func checkChatName(kind fechatter.ChatKind, name string) error {
	switch {
	case kind == fechatter.ChatDirect && name != "":
		return invalid("a direct chat has no name")
	case kind == fechatter.ChatChannel && strings.TrimSpace(name) == "":
		return invalid("a channel needs a name")
	case utf8.RuneCountInString(name) > fechatter.MaxChatName:
		return invalid("chat name is longer than %d characters", fechatter.MaxChatName)
	}
	return nil
}

// chatMembers validates p and returns the members besides the creator, sorted and distinct.
func chatMembers(p fechatter.CreateChatParams) ([]int64, error) {
	if !p.Kind.Valid() {
		return nil, invalid("unknown chat kind %q", p.Kind)
	}
	if err := checkChatName(p.Kind, p.Name); err != nil {
		return nil, err
	}
	others := distinctIDs(p.MemberIDs, p.CreatorID)
	if p.Kind == fechatter.ChatDirect && len(others) != 1 {
		return nil, invalid("a direct chat has exactly two members")
	}
	return others, nil
}

// distinctIDs returns ids sorted, without duplicates and without except.
func distinctIDs(ids []int64, except int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != except {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// directKey identifies the direct chat of two users within a workspace.
func directKey(a, b int64) string {
	return fmt.Sprintf("%d:%d", min(a, b), max(a, b))
}

// checkUpdate validates a chat update against the chat's kind.
func checkUpdate(kind fechatter.ChatKind, u fechatter.ChatUpdate) error {
	if u.Name != nil {
		if err := checkChatName(kind, *u.Name); err != nil {
			return err
		}
	}
	if kind == fechatter.ChatDirect && u.Private != nil && !*u.Private {
		return invalid("a direct chat is always private")
	}
	return nil
}

// historyLimit validates a MessageQuery and returns its effective limit: DefaultHistory when
// unset, at most MaxHistoryLimit.
func historyLimit(q fechatter.MessageQuery) (int, error) {
	switch {
	case q.Before != 0 && (q.After != 0 || q.Forward):
		return 0, invalid("before and after are exclusive")
	case q.Before < 0 || q.After < 0:
		return 0, invalid("before and after must not be negative")
	case q.Limit < 0:
		return 0, invalid("limit must not be negative")
	case q.Limit == 0:
		return fechatter.DefaultHistory, nil
	}
	return min(q.Limit, fechatter.MaxHistoryLimit), nil
}

// checkLimit validates the limit of a list call.
func checkLimit(limit int) error {
	if limit <= 0 {
		return invalid("limit must be positive")
	}
	return nil
}
