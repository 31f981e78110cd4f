// Wire types of the Fechatter protocol v1 (docs/protocol.md, docs/rest.md).

export type ChatKind = 'direct' | 'group' | 'channel'
export type Role = 'owner' | 'admin' | 'member'

export interface User {
  id: number
  workspace_id: number
  email: string
  fullname: string
  role: Role
  disabled?: boolean
  created_at: string
}

export interface Workspace {
  id: number
  name: string
  members_can_invite: boolean
  created_at: string
}

/** An invitation as GET /invites lists it (never with its token). */
export interface Invite {
  id: number
  workspace_id: number
  email?: string
  role: Role
  max_uses: number
  uses: number
  expires_at: string
  created_by: number
  created_at: string
  revoked_at?: string
}

/** POST /invites: the invitation with its token and link, shown once. */
export interface CreatedInvite extends Invite {
  token: string
  url: string
}

/** POST /auth/invite: what a valid invitation leads to. */
export interface InvitePreview {
  workspace: { id: number; name: string }
  email?: string
  role: Role
  expires_at: string
}

export interface Chat {
  id: number
  workspace_id: number
  kind: ChatKind
  name: string
  topic?: string
  private: boolean
  owner_id: number
  archived?: boolean
  admin_archived?: boolean
  last_seq: number
  member_count?: number
  created_at: string
  member_ids?: number[]
}

/** A chat as one of its members sees it (GET /chats). */
export interface ChatSummary extends Chat {
  role: Role
  last_read_seq: number
  unread: number
  /** Messages after last_read_seq that mention the member (by name, <!here> or <!channel>). */
  mention_count?: number
}

/** A public channel of the workspace as GET /channels lists it. */
export interface ChannelInfo extends Chat {
  joined: boolean
}

/** One emoji on a message: how many reacted with it, and the first 20 of them. */
export interface Reaction {
  emoji: string
  count: number
  user_ids: number[]
}

export interface Message {
  id: number
  chat_id: number
  seq: number
  sender_id: number
  client_id: string
  text: string
  created_at: string
  edited_at?: string
  deleted?: boolean
  /** The root of the thread this message replies in. */
  thread_id?: number
  /** On a root: its replies, and when the last one came. */
  reply_count?: number
  last_reply_at?: string
  /** Members the text mentions as <@ID>; broadcast when it says <!here> or <!channel>. */
  mentions?: number[]
  broadcast?: 'here' | 'channel'
  reactions?: Reaction[]
  pinned?: boolean
  /** Attachments, in the order sent; a deleted message has none. */
  files?: FileInfo[]
}

/** An uploaded file. Broadcast messages carry no URLs: ask GET /files/links for signed ones. */
export interface FileInfo {
  id: number
  chat_id: number
  uploader_id: number
  message_id?: number
  name: string
  size: number
  content_type: string
  sha256: string
  width?: number
  height?: number
  thumbnail?: boolean
  created_at: string
  url?: string
  thumbnail_url?: string
}

/** A thread the user follows (GET /me/threads). */
export interface ThreadSummary {
  root: Message
  last_read_seq: number
  unread: number
}

/** How far a member has read a chat (GET /chats/{id}/reads). */
export interface ReadPosition {
  user_id: number
  last_read_seq: number
}

/** A chat in the ready event: where its timeline is, and the read state that read events
 * (ephemeral, never replayed) would otherwise lose across a reconnect. */
export interface ReadyChat {
  id: number
  last_seq: number
  /** The user's own read position, unread and mention counts (moved by other devices too). */
  last_read_seq?: number
  unread?: number
  mention_count?: number
  /** Every member's read position, in chats within the presence fan-out only ("seen by");
   * absent for larger chats, which ask GET /chats/{id}/reads. */
  reads?: ReadPosition[]
}

export type Ref = string | number

/** Events the server sends. A frame may hold several, separated by '\n'. */
export type ServerEvent =
  | { type: 'ready'; user: User; chats: ReadyChat[] }
  | { type: 'message'; seq: number; message: Message }
  | { type: 'message_edited'; seq: number; message: Message }
  | { type: 'message_deleted'; seq: number; chat_id: number; message_id: number }
  | { type: 'chat_joined'; chat: Chat }
  | { type: 'chat_left'; chat_id: number }
  | { type: 'resync'; chat_id: number }
  | { type: 'ack'; ref?: Ref; message: Message }
  | { type: 'error'; ref?: Ref; code: string; message: string }
  | { type: 'pong'; ref?: Ref }
  | { type: 'typing'; chat_id: number; user_id: number }
  | { type: 'presence'; user_id: number; online: boolean }
  | { type: 'read'; chat_id: number; user_id: number; seq: number }
  | { type: 'member_joined'; seq: number; chat_id: number; user_id: number; actor_id: number; created_at: string }
  | { type: 'member_left'; seq: number; chat_id: number; user_id: number; actor_id: number; created_at: string }
  | { type: 'authenticated'; ref?: Ref; expires_at: string }
  | { type: 'reaction'; seq: number; chat_id: number; message_id: number; user_id: number; emoji: string; added: boolean }
  | { type: 'pinned'; seq: number; chat_id: number; message_id: number; user_id: number; pinned: boolean }
  | { type: 'mention'; chat_id: number; message_id: number; seq: number; sender_id: number }

/** A membership change: it takes the chat's next seq like a message does. */
export type MemberEvent = Extract<ServerEvent, { type: 'member_joined' | 'member_left' }>

export type ReactionEvent = Extract<ServerEvent, { type: 'reaction' }>
export type PinnedEvent = Extract<ServerEvent, { type: 'pinned' }>
export type MentionEvent = Extract<ServerEvent, { type: 'mention' }>

/** Everything with a seq in a chat's timeline. */
export type TimelineEvent =
  | Extract<ServerEvent, { type: 'message' | 'message_edited' | 'message_deleted' }>
  | MemberEvent
  | ReactionEvent
  | PinnedEvent

/** The event types that are part of a chat's timeline (they take its seq and are replayed). */
export const timelineTypes = ['message', 'message_edited', 'message_deleted', 'member_joined', 'member_left', 'reaction', 'pinned'] as const satisfies readonly TimelineEvent['type'][]
// every timeline event type is listed above (a compile error names the one missing)
const _allTimelineTypes: Exclude<TimelineEvent['type'], (typeof timelineTypes)[number]> extends never ? true : never = true
void _allTimelineTypes

/** The chat a timeline event belongs to. */
export function chatOf(e: TimelineEvent): number {
  return 'message' in e ? e.message.chat_id : e.chat_id
}

/** Frames the client sends. */
export type ClientFrame =
  | { type: 'auth'; ref?: Ref; token: string; resume?: Record<string, number> }
  | { type: 'send'; ref?: Ref; chat_id: number; client_id: string; text: string; thread_id?: number; file_ids?: number[] }
  | { type: 'react'; ref?: Ref; chat_id: number; message_id: number; emoji: string }
  | { type: 'unreact'; ref?: Ref; chat_id: number; message_id: number; emoji: string }
  | { type: 'pin'; ref?: Ref; chat_id: number; message_id: number }
  | { type: 'unpin'; ref?: Ref; chat_id: number; message_id: number }
  | { type: 'edit'; ref?: Ref; chat_id: number; message_id: number; text: string }
  | { type: 'delete'; ref?: Ref; chat_id: number; message_id: number }
  | { type: 'typing'; ref?: Ref; chat_id: number }
  | { type: 'read'; ref?: Ref; chat_id: number; seq: number }
  | { type: 'resume'; ref?: Ref; chats: Record<string, number> }
  | { type: 'ping'; ref?: Ref }

/** Error codes shared by REST and the socket. */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal_error'

/** Close codes with a meaning for the client. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  TooBig: 1009,
  Restart: 1012,
  Unauthorized: 4001,
  /** Access revoked (account disabled, logged out, password changed elsewhere): do not reconnect. */
  Revoked: 4003,
  SlowConsumer: 4008,
  RateLimited: 4009,
} as const
