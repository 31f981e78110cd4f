package fechatter

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// MessageState says whether a message is finished. People's messages are always complete;
// the assistant's answer is created streaming and ends complete, failed or canceled.
type MessageState string

const (
	StateComplete  MessageState = ""          // the default: the text is final
	StateStreaming MessageState = "streaming" // an answer being written; partial text travels as ephemeral stream events
	StateFailed    MessageState = "failed"    // the answer broke off (model error, timeout, the node died)
	StateCanceled  MessageState = "canceled"  // the asker stopped it
)

// Final reports whether s is a state an answer may end in.
func (s MessageState) Final() bool {
	return s == StateComplete || s == StateFailed || s == StateCanceled
}

// BotName is the display name of every workspace's assistant.
const BotName = "Assistant"

// BotEmail is the bot user's unique login key. It is not an email address, so no signup can
// take it, and the bot has no password: nobody logs in as the bot.
func BotEmail(workspaceID int64) string { return "bot:" + strconv.FormatInt(workspaceID, 10) }

// AnswerParams starts an assistant answer: an empty streaming message of the workspace's
// bot in ChatID, asked by AskerID, counted against the daily quotas.
type AnswerParams struct {
	ChatID   int64
	BotID    int64
	AskerID  int64
	ClientID string // idempotency key of the bot's message (a UUID)
	ThreadID int64  // answer in this thread (0: in the chat)
	// Since is the start of the quota day (UTC midnight). With UserQuota > 0 the asker may
	// have at most UserQuota answers since then, with WorkspaceQuota > 0 the bot at most
	// WorkspaceQuota; ERateLimited otherwise (see CheckQuota). Both are checked and the answer stored in one
	// transaction, so concurrent asks never overdraw a quota.
	Since          time.Time
	UserQuota      int
	WorkspaceQuota int
}

// FinishParams ends a streaming answer with its final text and state (EConflict when the
// message is not streaming any more: an answer ends once).
type FinishParams struct {
	ChatID    int64
	MessageID int64
	Text      string
	State     MessageState
}

// Validate checks the parameters a store needs.
func (p AnswerParams) Validate() error {
	if !ValidClientID(p.ClientID) {
		return Errorf(EInvalid, "client_id must be a UUID")
	}
	if p.ChatID <= 0 || p.BotID <= 0 || p.AskerID <= 0 {
		return Errorf(EInvalid, "chat, bot and asker are required")
	}
	return nil
}

// CheckQuota fails with ERateLimited (Retry-After: the next UTC midnight) when the asker (mine answers today) or the workspace (all)
// has spent its daily quota.
func (p AnswerParams) CheckQuota(mine, all int) error {
	if p.UserQuota > 0 && mine >= p.UserQuota {
		return &Error{Code: ERateLimited, Message: "your daily assistant quota of " + strconv.Itoa(p.UserQuota) +
			" answers is spent; it renews at 00:00 UTC", RetryAfter: time.Until(p.Since.Add(24 * time.Hour))}
	}
	if p.WorkspaceQuota > 0 && all >= p.WorkspaceQuota {
		return &Error{Code: ERateLimited, Message: "the workspace's daily assistant quota of " + strconv.Itoa(p.WorkspaceQuota) +
			" answers is spent; it renews at 00:00 UTC", RetryAfter: time.Until(p.Since.Add(24 * time.Hour))}
	}
	return nil
}

// Validate checks that the answer ends in a final state with a text that fits.
func (p FinishParams) Validate() error {
	if !p.State.Final() {
		return Errorf(EInvalid, "state %q is not final", p.State)
	}
	if utf8.RuneCountInString(p.Text) > MaxTextRunes {
		return Errorf(ETooLarge, "text is longer than %d characters", MaxTextRunes)
	}
	return nil
}

// ErrBotUser refuses to change a bot user's role.
func ErrBotUser() *Error { return Errorf(EForbidden, "the assistant's role cannot change") }

// ErrAnswerEnded: an answer is finished once (it completed, failed or was canceled).
func ErrAnswerEnded() *Error { return Errorf(EConflict, "the answer has already ended") }
