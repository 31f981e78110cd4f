package fechatter

import (
	"context"
	"encoding/json"
	"time"
)

// SignupParams creates a user. Exactly one of the three says where:
//   - InviteHash: the workspace of that invitation, with the invitation's role (the way in
//     for people);
//   - WorkspaceID: that existing workspace as a member (trusted callers only: seeding, tests);
//   - Workspace: a new workspace of that display name, with the user as its owner. With
//     OnlyFirst, only when the installation has no workspace yet (invite-only servers).
type SignupParams struct {
	Email        string // already normalised (trimmed, lower case)
	PasswordHash string
	Fullname     string
	Workspace    string
	OnlyFirst    bool
	InviteHash   string // hex SHA-256 of the invitation token
	WorkspaceID  int64
}

// Invite is an invitation to join a workspace; only the hash of its token is stored.
type Invite struct {
	ID          int64      `json:"id"`
	WorkspaceID int64      `json:"workspace_id"`
	TokenHash   string     `json:"-"`
	Email       string     `json:"email,omitempty"` // only this address may use it; "" = anyone with the link
	Role        Role       `json:"role"`
	MaxUses     int        `json:"max_uses"`
	Uses        int        `json:"uses"`
	ExpiresAt   time.Time  `json:"expires_at"`
	CreatedBy   int64      `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// Usable reports whether the invitation can still be used at now.
func (i Invite) Usable(now time.Time) bool {
	return i.RevokedAt == nil && i.Uses < i.MaxUses && now.Before(i.ExpiresAt)
}

// WorkspaceUpdate changes a workspace's settings; nil fields stay as they are.
type WorkspaceUpdate struct {
	Name             *string
	MembersCanInvite *bool
}

// AuditEntry records an admin or membership action. Detail is a JSON object.
type AuditEntry struct {
	ID          int64           `json:"id"`
	WorkspaceID int64           `json:"workspace_id"`
	ActorID     int64           `json:"actor_id"`
	Action      string          `json:"action"`
	TargetType  string          `json:"target_type,omitempty"` // "user", "chat", "message", "invite", "workspace"
	TargetID    int64           `json:"target_id,omitempty"`
	Detail      json.RawMessage `json:"detail"`
	CreatedAt   time.Time       `json:"created_at"`
}

// AuditQuery pages a workspace's audit log, newest first: entries with ID < Before (all when
// 0), optionally of one Action or ActorID.
type AuditQuery struct {
	WorkspaceID int64
	Before      int64
	Action      string
	ActorID     int64
	Limit       int
}

// RefreshToken is the stored form of an opaque refresh token: only its hash is kept.
type RefreshToken struct {
	Hash      string // hex SHA-256 of the token
	UserID    int64
	FamilyID  string // all tokens rotated from one login share a family
	ExpiresAt time.Time
}

// CreateChatParams creates a chat owned by CreatorID with the creator and MemberIDs as members.
type CreateChatParams struct {
	WorkspaceID int64
	CreatorID   int64
	Kind        ChatKind
	Name        string
	Private     bool
	MemberIDs   []int64 // besides the creator; all must be active users of WorkspaceID
}

// ChatUpdate changes a chat's settings; nil fields stay as they are.
type ChatUpdate struct {
	Name     *string
	Topic    *string
	Private  *bool
	Archived *bool
	// ByAdmin marks an Archived change made by a workspace admin (see CanUnarchive).
	ByAdmin bool
}

// SendParams appends a message to a chat's timeline.
type SendParams struct {
	ChatID   int64
	SenderID int64
	ClientID string // idempotency key, unique per sender
	Text     string
	// ThreadID makes the message a reply in the thread of that message of the same chat (a
	// reply to a reply joins its root's thread); EInvalid naming thread_id otherwise.
	ThreadID int64
	// FileIDs attaches files the sender uploaded to this chat and did not attach yet
	// (ErrBadFiles otherwise); with files, Text may be empty (see CheckSend).
	FileIDs []int64
}

// SendResult is the outcome of one send of a batch.
type SendResult struct {
	Event   Event
	Created bool
	Err     error
}

// EditParams replaces a message's text; only its sender may.
type EditParams struct {
	ChatID    int64
	MessageID int64
	EditorID  int64
	Text      string
}

// DeleteParams tombstones a message; its sender or a chat owner/admin may, or a workspace
// admin moderating (Moderator: no membership or role check, archived chats too).
type DeleteParams struct {
	ChatID    int64
	MessageID int64
	ActorID   int64
	Moderator bool
}

// ReactParams adds (Add) or removes a user's emoji on a message.
type ReactParams struct {
	ChatID    int64
	MessageID int64
	UserID    int64
	Emoji     string // validated by CheckEmoji
	Add       bool
}

// PinParams pins (Pin) or unpins a message of a chat.
type PinParams struct {
	ChatID    int64
	MessageID int64
	UserID    int64
	Pin       bool
}

// ThreadSummary is a thread its follower follows: the root as it is now, and how many
// replies came after the follower's read position in it.
type ThreadSummary struct {
	Root        Message `json:"root"`
	LastReadSeq int64   `json:"last_read_seq"`
	Unread      int64   `json:"unread"`
}

// ChannelInfo is a public channel of the directory, and whether the asker is in it.
type ChannelInfo struct {
	Chat
	Joined bool `json:"joined"`
}

// ReadPosition is how far a member has read a chat.
type ReadPosition struct {
	UserID      int64 `json:"user_id"`
	LastReadSeq int64 `json:"last_read_seq"`
}

// MessageQuery pages a chat's messages by seq. With Before, it returns the Limit messages just
// before it; with After (or Forward, which also allows After = 0 to page from the first
// message), the Limit messages just after it; with neither, the newest Limit. The
// result is always in ascending seq; hasMore says whether more exist in the paging direction
// (older for Before or neither, newer for After).
type MessageQuery struct {
	ChatID   int64
	ThreadID int64 // only the replies of this thread
	Before   int64
	After    int64
	Forward  bool
	Limit    int
}

// Store persists everything. Implementations: store/sqlite, store/postgres. All of them pass
// store/storetest. Errors are *Error with ENotFound, EForbidden, EConflict, EInvalid where the
// contract below says so; anything else is a failure of the engine.
type Store interface {
	// Signup creates a user (EConflict when the email is taken).
	Signup(ctx context.Context, p SignupParams) (User, error)
	// UserByEmail returns the user and their password hash (ENotFound).
	UserByEmail(ctx context.Context, email string) (User, string, error)
	User(ctx context.Context, id int64) (User, error)
	// Users lists a workspace's users whose name or email contains q (case-insensitive), by
	// name, at most limit.
	Users(ctx context.Context, workspaceID int64, q string, limit int) ([]User, error)
	// SetUserDisabled and SetUserRole are admin operations. Disabling also revokes every
	// session of the user, in the same transaction, so re-enabling brings no old login back.
	SetUserDisabled(ctx context.Context, userID int64, disabled bool) error
	SetUserRole(ctx context.Context, userID int64, role Role) error
	// SetPassword replaces the user's password hash and revokes every session but keep.
	SetPassword(ctx context.Context, userID int64, hash, keep string) error

	// Workspace returns a workspace (ENotFound); UpdateWorkspace changes its settings.
	Workspace(ctx context.Context, id int64) (Workspace, error)
	UpdateWorkspace(ctx context.Context, id int64, u WorkspaceUpdate) (Workspace, error)
	// CreateInvite stores an invitation (TokenHash set) and returns it with ID and CreatedAt.
	CreateInvite(ctx context.Context, inv Invite) (Invite, error)
	// Invites lists a workspace's invitations, newest first, at most limit.
	Invites(ctx context.Context, workspaceID int64, limit int) ([]Invite, error)
	// InviteByHash returns a usable invitation and its workspace; anything else (unknown,
	// revoked, expired, used up) is EInvalid naming "invite", with no more detail.
	InviteByHash(ctx context.Context, hash string) (Invite, Workspace, error)
	// RevokeInvite revokes an invitation of the workspace; with createdBy > 0, only one that
	// user created (ENotFound for any other).
	RevokeInvite(ctx context.Context, workspaceID, id, createdBy int64) (Invite, error)

	// Audit appends an entry to the workspace's audit log; AuditLog pages it, newest first.
	Audit(ctx context.Context, e AuditEntry) error
	AuditLog(ctx context.Context, q AuditQuery) (entries []AuditEntry, hasMore bool, err error)

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RotateRefreshToken consumes the token with oldHash and stores next in its family. A token
	// that is unknown, expired, revoked or already used fails with EUnauthorized; an already used
	// one also revokes its whole family (replay detection). The owner must not be disabled.
	// It returns the user and the session (family) the new token belongs to.
	RotateRefreshToken(ctx context.Context, oldHash string, next RefreshToken) (User, string, error)
	// RevokeRefreshFamily revokes the family of the token with hash (logout). Unknown: no error.
	RevokeRefreshFamily(ctx context.Context, hash string) error
	// A session is a refresh-token family; access tokens name theirs. UserSession returns the
	// user of a live session: EUnauthorized when the session was revoked or never existed,
	// or the user is disabled or gone.
	UserSession(ctx context.Context, userID int64, sessionID string) (User, error)
	// RevokeSessions revokes every session of the user except keep ("" revokes all).
	RevokeSessions(ctx context.Context, userID int64, keep string) error

	// CreateChat creates a chat. A direct chat between two users who already have one returns
	// that chat with created=false. A channel's name is unique in its workspace, compared by
	// ChannelKey (EConflict, see ChannelTaken); so is a channel's new name in UpdateChat.
	CreateChat(ctx context.Context, p CreateChatParams) (chat Chat, created bool, err error)
	// Chat returns a chat with MemberIDs filled (ENotFound).
	Chat(ctx context.Context, id int64) (Chat, error)
	// ChatsForUser lists the user's chats with read state and unread counts, in one query.
	ChatsForUser(ctx context.Context, userID int64) ([]ChatSummary, error)
	UpdateChat(ctx context.Context, id int64, u ChatUpdate) (Chat, error)
	// AddMembers adds users as members, by actorID, and returns one member_joined timeline
	// event per user who was not a member before, by ascending user ID.
	AddMembers(ctx context.Context, chatID, actorID int64, userIDs []int64) ([]Event, error)
	// RemoveMember removes a member, by actorID, as a member_left timeline event (ENotFound
	// when not a member).
	RemoveMember(ctx context.Context, chatID, userID, actorID int64) (Event, error)
	// Member returns a membership (ENotFound when the user is not a member).
	Member(ctx context.Context, chatID, userID int64) (Member, error)
	// SetMemberRole makes a member a chat admin or a member again (EInvalid for another role,
	// ENotFound when not a member or when the member is the chat's owner).
	SetMemberRole(ctx context.Context, chatID, userID int64, role Role) error
	// MarkRead moves a member's last read seq forward only and returns the resulting value.
	MarkRead(ctx context.Context, chatID, userID, seq int64) (int64, error)

	// Send appends a message in one transaction: checks the chat exists and the sender is an
	// active member (ENotFound otherwise, so IDs outside one's reach stay unknown), that it
	// is not archived (EForbidden), then assigns the next seq. A ClientID
	// the sender used before returns the original event with created=false and stores nothing.
	Send(ctx context.Context, p SendParams) (ev Event, created bool, err error)
	// SendBatch runs many sends in one transaction, so they share one commit (one disk flush):
	// each succeeds or fails on its own exactly as Send would, results in input order. When the
	// transaction itself fails, every send that had not failed on its own carries that error.
	SendBatch(ctx context.Context, ps []SendParams) []SendResult
	// Edit changes a message's text as a new timeline event (ENotFound, EForbidden when not the
	// sender or the message is deleted).
	Edit(ctx context.Context, p EditParams) (Event, error)
	// Delete tombstones a message as a new timeline event.
	Delete(ctx context.Context, p DeleteParams) (Event, error)
	// React adds or removes a reaction as a reaction timeline event, returned with the
	// message as it is now. Adding what is there or removing what is not changes nothing
	// (changed=false, no event, no seq taken): a retried frame does not apply twice. Members
	// only (ENotFound otherwise); not on deleted messages or in archived chats (EForbidden);
	// at most MaxEmojiPerMessage distinct emoji per message (EInvalid).
	React(ctx context.Context, p ReactParams) (ev Event, changed bool, err error)
	// Pin pins or unpins a message as a pinned timeline event, like React.
	Pin(ctx context.Context, p PinParams) (ev Event, changed bool, err error)
	// Pins lists a chat's pinned messages, the latest pin first.
	Pins(ctx context.Context, chatID int64) ([]Message, error)
	// SaveMessage saves (or with save=false forgets) a message for the user, who must be a
	// member of its chat (ENotFound). Saved lists them, latest first, only of chats the user
	// is still in.
	SaveMessage(ctx context.Context, userID, messageID int64, save bool) error
	Saved(ctx context.Context, userID int64, limit int) ([]Message, error)

	// FollowThread makes the user follow (or stop following) the thread of root, a message
	// of the chat that is not itself a reply (EInvalid naming thread_id otherwise).
	FollowThread(ctx context.Context, chatID, rootID, userID int64, follow bool) error
	// ReadThread moves the user's read position in a thread forward (it follows the thread).
	ReadThread(ctx context.Context, chatID, rootID, userID, seq int64) error
	// Threads lists the threads the user follows in chats they are in, latest reply first.
	Threads(ctx context.Context, userID int64, limit int) ([]ThreadSummary, error)
	// Channels lists the workspace's public channels whose name contains q, by name.
	Channels(ctx context.Context, workspaceID, userID int64, q string, limit int) ([]ChannelInfo, error)
	// Reads lists every member's read position in a chat, by user id.
	Reads(ctx context.Context, chatID int64) ([]ReadPosition, error)
	// ReadsOf lists every member's read position in each of the chats, by chat id, then user
	// id (one query, for the socket's ready event); a chat without members is absent.
	ReadsOf(ctx context.Context, chatIDs []int64) (map[int64][]ReadPosition, error)

	// Preferences returns the user's notification settings and the marks on chats they are
	// in now (DefaultPreferences when they set none). UpdatePreferences changes the settings
	// (EInvalid for an unknown level); UpdateChatPreference the marks on one chat the user is a
	// member of (ENotFound otherwise).
	Preferences(ctx context.Context, userID int64) (Preferences, error)
	UpdatePreferences(ctx context.Context, userID int64, u PreferencesUpdate) (Preferences, error)
	UpdateChatPreference(ctx context.Context, userID, chatID int64, u ChatPreferenceUpdate) (ChatPreference, error)

	// Events returns the chat's timeline events with seq > afterSeq, ascending, at most limit.
	Events(ctx context.Context, chatID, afterSeq int64, limit int) ([]Event, error)
	// Messages pages history; see MessageQuery.
	Messages(ctx context.Context, q MessageQuery) (msgs []Message, hasMore bool, err error)

	// MemberChats lists the chats userID is a member of now, by id, without read state or
	// members: the cheap form of ChatsForUser that every search starts with.
	MemberChats(ctx context.Context, userID int64) ([]Chat, error)
	// SearchMessages runs a full-text search (see MessageSearch) over the messages, not
	// deleted, of the chats in q.ChatIDs that q.UserID is a member of now. Edits and deletes
	// are reflected as soon as they commit.
	SearchMessages(ctx context.Context, q MessageSearch) ([]Message, error)
	// ScanMessages pages through every message of the installation by ascending id: at most
	// limit with id > afterID, tombstones included. maxID is the highest message id (0 when
	// there is none), for progress reports. It feeds search reindexing, so messages come with
	// their Files (whose names are indexed).
	ScanMessages(ctx context.Context, afterID int64, limit int) (msgs []Message, maxID int64, err error)

	// MessageActivity counts the messages (tombstones too: they were sent) of the
	// workspace's chats created in [from, to), per UTC hour, chat and sender, for the reduced
	// mode of the admin stats.
	MessageActivity(ctx context.Context, workspaceID int64, from, to time.Time) ([]ActivityRow, error)

	FileStore

	Ping(ctx context.Context) error
	Close() error
}

// FileStore keeps the files' rows and the blobs they share. Blob storage itself is not the
// store's: the files package calls these around its own reads and writes of the bytes.
type FileStore interface {
	// CreateFile records an upload (f.ChatID, UploaderID, Name, Size, ContentType, SHA256,
	// Width, Height, Thumbnail) by an active member of a chat that is not archived (ENotFound,
	// EForbidden), and the blob it refers to. With quota > 0, the workspace's files may take
	// at most quota bytes together (EQuota). Store the blob after CreateFile returns: from
	// then on DeleteBlob leaves it alone.
	CreateFile(ctx context.Context, f File, quota int64) (File, error)
	// FileForUser returns a file the user may download now: they are a member of its chat
	// and it is attached to a message that is not deleted, or it is their own unattached
	// upload. ENotFound for anything else, whatever the reason.
	FileForUser(ctx context.Context, fileID, userID int64) (File, error)
	// DeleteFile removes an unattached upload of the user (a failed store of its bytes).
	DeleteFile(ctx context.Context, fileID, userID int64) error
	// WorkspaceFileBytes is the size of the workspace's files together, for its quota.
	WorkspaceFileBytes(ctx context.Context, workspaceID int64) (int64, error)
	// SweepFiles deletes at most limit files never attached and created before before, and
	// returns how many it deleted. A deleted message's files go with it.
	SweepFiles(ctx context.Context, before time.Time, limit int) (int, error)
	// OrphanBlobs lists at most limit blobs (hex SHA-256) no file refers to.
	OrphanBlobs(ctx context.Context, limit int) ([]string, error)
	// DeleteBlob forgets an orphan blob: inside one write transaction that holds the blob's
	// row, it checks again that no file refers to it, calls del (which deletes the bytes)
	// and commits only if del succeeds. An upload of the same bytes meanwhile waits for it,
	// then stores them anew. It reports whether it deleted.
	DeleteBlob(ctx context.Context, sha256 string, del func() error) (bool, error)
}
