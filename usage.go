package fechatter

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// UsageKind names a product analytics event (docs/analytics.md has the catalogue). The
// values are stored in ClickHouse: never rename one.
type UsageKind string

// Server-side usage events, emitted where they happen.
const (
	UsageSignup         UsageKind = "signup"
	UsageLogin          UsageKind = "login"
	UsageLoginFailed    UsageKind = "login_failed" // Code: the error code
	UsageLogout         UsageKind = "logout"
	UsageChatCreated    UsageKind = "chat_created" // Code: the chat kind
	UsageMemberJoined   UsageKind = "member_joined"
	UsageMemberLeft     UsageKind = "member_left"
	UsageMessageSent    UsageKind = "message_sent" // Size: text bytes; DurationMs: send→ack; Code: transport
	UsageMessageEdited  UsageKind = "message_edited"
	UsageMessageDeleted UsageKind = "message_deleted"
	UsageSearch         UsageKind = "search"              // Count: hits; DurationMs: latency
	UsageConnected      UsageKind = "socket_connected"    // Code: transport (ws, sse)
	UsageDisconnected   UsageKind = "socket_disconnected" // Code: reason; DurationMs: how long it was open
	UsageError          UsageKind = "error"               // Code: the error code; Page: where (rest route, ws frame)
	UsageFileUploaded   UsageKind = "file_uploaded"       // Size: bytes; Code: FileClass; DurationMs: receiving and storing it
	UsageFileDownloaded UsageKind = "file_downloaded"     // Size: bytes of the file; Code: FileClass
	UsageBotResponse    UsageKind = "bot_response"        // made by BotResponse.Usage: latency, tokens, outcome
)

// Client-side usage events, posted by the web client to POST /analytics/events.
const (
	UsageAppStart    UsageKind = "app_start"    // Page; Props: version, platform
	UsageNavigation  UsageKind = "navigation"   // Page: the route name
	UsagePageTiming  UsageKind = "page_timing"  // Page; DurationMs: load time
	UsageClientError UsageKind = "client_error" // Page; Code: an error class, never its message
)

// Usage sources.
const (
	SourceServer = "server"
	SourceWeb    = "web"
)

// UsageEvent is one product analytics event. ID is unique per event (a UUID) and travels
// with it through every retry, so stores count it once. It never carries message text, file
// names or search queries: sizes and counts only.
type UsageEvent struct {
	ID          string            `json:"id"`
	Kind        UsageKind         `json:"kind"`
	At          time.Time         `json:"at"`
	Source      string            `json:"source"`
	WorkspaceID int64             `json:"workspace_id,omitempty"`
	UserID      int64             `json:"user_id,omitempty"`
	ChatID      int64             `json:"chat_id,omitempty"`
	Code        string            `json:"code,omitempty"`
	Page        string            `json:"page,omitempty"`
	Size        int64             `json:"size,omitempty"`
	Count       int64             `json:"count,omitempty"`
	DurationMs  float64           `json:"duration_ms,omitempty"`
	IP          string            `json:"ip,omitempty"` // truncated to its /24 (IPv4) or /48 (IPv6)
	Props       map[string]string `json:"props,omitempty"`
}

// StatsInterval is the bucket width of a stats series.
type StatsInterval string

const (
	IntervalHour StatsInterval = "hour"
	IntervalDay  StatsInterval = "day"
)

// Duration returns the bucket width.
func (i StatsInterval) Duration() time.Duration {
	if i == IntervalHour {
		return time.Hour
	}
	return 24 * time.Hour
}

// StatsQuery asks for a workspace's usage in [From, To), bucketed by Interval (UTC).
type StatsQuery struct {
	WorkspaceID int64
	From, To    time.Time
	Interval    StatsInterval
	TopChats    int // chats in TopChats (default 10)
}

// StatsPoint is one bucket of a series: its start and its value.
type StatsPoint struct {
	T time.Time `json:"t"`
	V float64   `json:"v"`
}

// ChatActivity is a chat's share of the messages of a window.
type ChatActivity struct {
	ChatID   int64  `json:"chat_id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Messages int64  `json:"messages"`
}

// Stats is what GET /admin/stats answers. Mode says where it comes from: "reduced" (the store
// and this node) or "clickhouse" (the analytics pipeline); Series always holds
// "active_users" and "messages", and in ClickHouse mode more (see docs/analytics.md).
type Stats struct {
	Mode           string                  `json:"mode"`
	From           time.Time               `json:"from"`
	To             time.Time               `json:"to"`
	Interval       StatsInterval           `json:"interval"`
	Series         map[string][]StatsPoint `json:"series"`
	Totals         map[string]float64      `json:"totals"`
	TopChats       []ChatActivity          `json:"top_chats"`
	ConnectionsNow int64                   `json:"connections_now"`
	SendAckP99Ms   *float64                `json:"send_ack_p99_ms"` // null when nothing was sent
	ErrorsByCode   map[string]int64        `json:"errors_by_code,omitempty"`
	ClientErrors   map[string]int64        `json:"client_errors_by_page,omitempty"`
}

// ActivityRow counts one sender's messages in one chat in one UTC hour.
type ActivityRow struct {
	Hour     time.Time
	ChatID   int64
	SenderID int64
	Messages int64
}

// ServerUsageKinds and ClientUsageKinds are the catalogue; a client may post only the latter.
var (
	ServerUsageKinds = []UsageKind{UsageSignup, UsageLogin, UsageLoginFailed, UsageLogout, UsageChatCreated,
		UsageMemberJoined, UsageMemberLeft, UsageMessageSent, UsageMessageEdited, UsageMessageDeleted, UsageSearch,
		UsageConnected, UsageDisconnected, UsageError, UsageFileUploaded, UsageFileDownloaded, UsageBotResponse}
	ClientUsageKinds = []UsageKind{UsageAppStart, UsageNavigation, UsagePageTiming, UsageClientError}
)

// Limits of a client usage event.
const (
	MaxClientEvents    = 50  // events in one POST /analytics/events
	MaxUsagePage       = 64  // characters of page (a route name, not a URL with ids or queries)
	MaxUsageCode       = 64  // characters of code
	MaxUsageProps      = 8   // properties of one event
	MaxUsagePropKey    = 32  // characters of a property's name
	MaxUsagePropValue  = 128 // characters of a property's value
	MaxUsageDurationMs = 3_600_000
)

// CheckClientUsage validates an event a client posted: a client kind, short printable page
// and code, few and small properties, a duration within an hour. It names the offending
// field of the i-th event.
func CheckClientUsage(i int, e UsageEvent) error {
	bad := func(field, why string) error {
		return Errorf(EInvalid, "events[%d].%s %s", i, field, why)
	}
	if !slices.Contains(ClientUsageKinds, e.Kind) {
		return bad("kind", "is not a client event kind (app_start, navigation, page_timing, client_error)")
	}
	if !usageToken(e.Page, MaxUsagePage) {
		return bad("page", fmt.Sprintf("must be a route name of at most %d letters, digits or ._-/:", MaxUsagePage))
	}
	if !usageToken(e.Code, MaxUsageCode) {
		return bad("code", fmt.Sprintf("must be at most %d letters, digits or ._-/:", MaxUsageCode))
	}
	if e.DurationMs < 0 || e.DurationMs > MaxUsageDurationMs {
		return bad("duration_ms", "must be from 0 to 3600000")
	}
	if len(e.Props) > MaxUsageProps {
		return bad("props", fmt.Sprintf("has more than %d properties", MaxUsageProps))
	}
	for k, v := range e.Props {
		if !usageToken(k, MaxUsagePropKey) || k == "" {
			return bad("props", fmt.Sprintf("has a name that is not 1 to %d letters, digits or ._-/:", MaxUsagePropKey))
		}
		if utf8.RuneCountInString(v) > MaxUsagePropValue || !utf8.ValidString(v) {
			return bad("props."+k, fmt.Sprintf("is longer than %d characters", MaxUsagePropValue))
		}
	}
	return nil
}

// usageToken reports whether s is at most max characters of [A-Za-z0-9._\-/:].
func usageToken(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/:", r)) {
			return false
		}
	}
	return true
}

// TruncateIP keeps the network of an address, never the host: its /24 (IPv4) or /48 (IPv6).
// Anything unparseable becomes "".
func TruncateIP(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.Addr().String()
}

// File classes: the Code of file_uploaded and file_downloaded, a coarse kind of content
// (never the file's name, nor its exact type).
const (
	FileClassImage   = "image"
	FileClassVideo   = "video"
	FileClassAudio   = "audio"
	FileClassText    = "text"
	FileClassPDF     = "pdf"
	FileClassArchive = "archive"
	FileClassOther   = "other"
)

// FileClass is the class of a (sniffed) content type, for usage events.
func FileClass(contentType string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(contentType)), ";")
	major, minor, _ := strings.Cut(base, "/")
	switch {
	case major == "image" || major == "video" || major == "audio" || major == "text":
		return major
	case minor == "pdf":
		return FileClassPDF
	case minor == "zip" || minor == "gzip" || minor == "x-gzip" || minor == "x-tar" || minor == "x-rar-compressed" ||
		minor == "vnd.rar" || minor == "x-7z-compressed" || minor == "x-bzip2" || minor == "zstd":
		return FileClassArchive
	case minor == "ogg":
		return FileClassAudio // http.DetectContentType's name for an Ogg stream
	}
	return FileClassOther
}

// FileUsage is the usage event of a file stored (UsageFileUploaded) or served
// (UsageFileDownloaded) to userID: its size and class, never its name.
func FileUsage(kind UsageKind, f File, userID int64) UsageEvent {
	return UsageEvent{Kind: kind, WorkspaceID: f.WorkspaceID, UserID: userID, ChatID: f.ChatID, Size: f.Size,
		Code: FileClass(f.ContentType)}
}

// Outcomes of a bot response: the Code of a bot_response event.
const (
	BotOK       = "ok"       // an answer was posted
	BotError    = "error"    // the model endpoint failed or answered something unusable
	BotTimeout  = "timeout"  // no answer within the assistant's deadline
	BotLimited  = "limited"  // refused by a rate limit or a token budget before the model was asked
	BotCanceled = "canceled" // the request went away (message deleted, user left, shutdown)
)

// BotResponse is what the assistant reports of one request it answered (or failed to):
// Usage turns it into a bot_response event. Trigger says what asked (e.g. "dm", "mention",
// "translate", "summary"); it is a route-like name, never the prompt.
type BotResponse struct {
	WorkspaceID, UserID, ChatID int64 // UserID: the person who asked, not the bot
	Trigger                     string
	Latency                     time.Duration // from the request to the answer's last token
	TokensIn, TokensOut         int64         // prompt and completion tokens, as the endpoint reports them
	Outcome                     string        // BotOK, BotError, ...
	Model                       string        // the model that answered (props.model); never the prompt
}

// Usage is the bot_response event of r: Code the outcome, Page the trigger, DurationMs the
// latency, Size the prompt tokens and Count the completion tokens (the events table's
// numeric columns, where a query sums them; docs/analytics.md).
func (r BotResponse) Usage() UsageEvent {
	return UsageEvent{Kind: UsageBotResponse, WorkspaceID: r.WorkspaceID, UserID: r.UserID, ChatID: r.ChatID,
		Code: r.Outcome, Page: r.Trigger, DurationMs: float64(r.Latency.Microseconds()) / 1000,
		Size: r.TokensIn, Count: r.TokensOut, Props: botProps(r.Model)}
}

func botProps(model string) map[string]string {
	if model == "" {
		return nil
	}
	return map[string]string{"model": model}
}
