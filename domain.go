package fechatter

import "time"

// Role is a member's role in a workspace or in a chat.
type Role string

const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// CanManage reports whether the role may change members and settings.
func (r Role) CanManage() bool { return r == RoleOwner || r == RoleAdmin }

// Workspace groups users; chats never cross workspaces. Its name is a display name: two
// workspaces may share one, and nobody joins a workspace without an invitation.
type Workspace struct {
	ID               int64     `json:"id"`
	Name             string    `json:"name"`
	MembersCanInvite bool      `json:"members_can_invite"` // plain members may create member invites
	CreatedAt        time.Time `json:"created_at"`
}

// User is an account. Its email is unique across the installation.
type User struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"workspace_id"`
	Email       string    `json:"email"`
	Fullname    string    `json:"fullname"`
	Role        Role      `json:"role"` // role in the workspace
	Disabled    bool      `json:"disabled,omitempty"`
	Bot         bool      `json:"bot,omitempty"` // the workspace's assistant: no password, never logs in
	CreatedAt   time.Time `json:"created_at"`
}

// ChatKind is the kind of a chat.
type ChatKind string

const (
	ChatDirect  ChatKind = "direct"  // exactly two members, no name
	ChatGroup   ChatKind = "group"   // invited members
	ChatChannel ChatKind = "channel" // public (any workspace user may join) or private
)

// Valid reports whether k is a known kind.
func (k ChatKind) Valid() bool { return k == ChatDirect || k == ChatGroup || k == ChatChannel }

// Chat is a conversation. LastSeq is the seq of its newest timeline event.
type Chat struct {
	ID          int64    `json:"id"`
	WorkspaceID int64    `json:"workspace_id"`
	Kind        ChatKind `json:"kind"`
	Name        string   `json:"name"`
	Topic       string   `json:"topic,omitempty"`
	Private     bool     `json:"private"`
	OwnerID     int64    `json:"owner_id"`
	Archived    bool     `json:"archived,omitempty"`
	// AdminArchived: archived by a workspace admin, so only a workspace admin un-archives it.
	AdminArchived bool      `json:"admin_archived,omitempty"`
	LastSeq       int64     `json:"last_seq"`
	MemberCount   int64     `json:"member_count"`
	CreatedAt     time.Time `json:"created_at"`
	MemberIDs     []int64   `json:"member_ids,omitempty"` // filled by Store.Chat and CreateChat
}

// ChatSummary is a chat as one of its members sees it in their chat list.
type ChatSummary struct {
	Chat
	Role        Role  `json:"role"`
	LastReadSeq int64 `json:"last_read_seq"`
	Unread      int64 `json:"unread"` // messages by others, not deleted, after LastReadSeq
	// MentionCount is the messages after LastReadSeq that mention the member (by name,
	// <!here> or <!channel>).
	MentionCount int64 `json:"mention_count"`
}

// Member is a user's membership of a chat.
type Member struct {
	ChatID      int64     `json:"chat_id"`
	UserID      int64     `json:"user_id"`
	Role        Role      `json:"role"`
	LastReadSeq int64     `json:"last_read_seq"`
	JoinedAt    time.Time `json:"joined_at"`
}

// Message is a chat message. Seq is the seq of the event that created it. A deleted message
// keeps its row as a tombstone with empty Text.
type Message struct {
	ID        int64      `json:"id"`
	ChatID    int64      `json:"chat_id"`
	Seq       int64      `json:"seq"`
	SenderID  int64      `json:"sender_id"`
	ClientID  string     `json:"client_id"`
	Text      string     `json:"text"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at,omitempty"`
	Deleted   bool       `json:"deleted,omitempty"`
	// ThreadID is the root message of the thread this message replies in; a root carries
	// ReplyCount and LastReplyAt.
	ThreadID    int64      `json:"thread_id,omitempty"`
	ReplyCount  int        `json:"reply_count,omitempty"`
	LastReplyAt *time.Time `json:"last_reply_at,omitempty"`
	// Mentions are the members the text mentions as <@ID>; Broadcast is "here" or "channel"
	// when it mentions <!here> or <!channel>.
	Mentions  []int64    `json:"mentions,omitempty"`
	Broadcast string     `json:"broadcast,omitempty"`
	Reactions []Reaction `json:"reactions,omitempty"`
	Pinned    bool       `json:"pinned,omitempty"`
	// Files are the message's attachments, in the order they were sent; a deleted message
	// has none.
	Files []File `json:"files,omitempty"`
	// State is StateComplete ("") for every message but an assistant's answer in progress or
	// broken off; AskerID is who asked for that answer (0 for other messages).
	State   MessageState `json:"state,omitempty"`
	AskerID int64        `json:"asker_id,omitempty"`
}

// Reaction is one emoji on a message: how many people reacted with it and (the first
// MaxReactionUsers of) who.
type Reaction struct {
	Emoji   string  `json:"emoji"`
	Count   int     `json:"count"`
	UserIDs []int64 `json:"user_ids"`
}

// EventKind names a timeline event. The values are the wire event types.
type EventKind string

const (
	EventMessage EventKind = "message"
	EventEdited  EventKind = "message_edited"
	EventDeleted EventKind = "message_deleted"
	// Membership changes are timeline events too: a connection that missed the notice of
	// its user's removal meets the removal in seq order before anything sent after it.
	EventMemberJoined EventKind = "member_joined"
	EventMemberLeft   EventKind = "member_left"
	// A reaction added or removed (On), a message pinned or unpinned (On): both carry the
	// message as it is now, UserID (who) and, for reactions, Emoji.
	EventReaction EventKind = "reaction"
	EventPinned   EventKind = "pinned"
)

// IsMember reports whether k is a membership event (it has UserID and ActorID, no Message).
func (k EventKind) IsMember() bool { return k == EventMemberJoined || k == EventMemberLeft }

// Event is one change to a chat's timeline. Per chat, Seq is gap-free and in commit order.
// Message is the message the event concerns; events read back from the store carry the
// message as it is now (a replayed "message" event of a since-edited message shows the
// edited text, and the "message_edited" event follows).
type Event struct {
	ChatID  int64     `json:"chat_id"`
	Seq     int64     `json:"seq"`
	Kind    EventKind `json:"kind"`
	Message Message   `json:"message"`
	UserID  int64     `json:"user_id,omitempty"`  // membership events: who joined or left; reaction, pinned: who
	ActorID int64     `json:"actor_id,omitempty"` // membership events: who added or removed them
	Emoji   string    `json:"emoji,omitempty"`    // reaction
	On      bool      `json:"on,omitempty"`       // reaction: added; pinned: pinned
	At      time.Time `json:"at"`                 // when the event was committed
}

// UserEvent is an event addressed to every connection of one user, on any node: a membership
// notice (chat_joined, chat_left), a mention notice, a session revocation. Unlike an Event it
// is not part of a timeline and is never replayed.
type UserEvent struct {
	Kind   string // what it is, e.g. "chat_joined" (the wire type for those clients receive)
	ChatID int64  // the chat it is about, when any
	Seq    int64  // the chat's last seq when the event was published (chat_joined, mention)
	Data   []byte // the event encoded for clients, or the revocation's details
}

// Limits shared by every transport.
const (
	MaxTextRunes       = 4000 // characters in a message
	MaxChatName        = 80   // characters in a chat name
	MaxTopic           = 250  // characters in a chat topic
	MaxWorkspaceName   = 64   // characters in a workspace name
	MaxReactionUsers   = 20   // user ids listed per emoji of a message (Count has them all)
	MaxEmojiPerMessage = 50   // distinct emoji on one message
	MaxHistoryLimit    = 200  // messages in one history page
	DefaultHistory     = 50
)
