package fechatter

import "time"

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
	UsageFileUploaded   UsageKind = "file_uploaded"       // Size: bytes (reserved: emitted once files exist)
	UsageFileDownloaded UsageKind = "file_downloaded"     // Size: bytes (reserved)
	UsageBotResponse    UsageKind = "bot_response"        // DurationMs (reserved: emitted once the assistant exists)
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
