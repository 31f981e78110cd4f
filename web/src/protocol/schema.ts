// The server events' shapes as data, tied to the TypeScript types of types.ts at compile time:
// `Shape<T>` demands one descriptor per field of T (optional fields as `opt`), of the field's
// kind, and nothing else. So a field added to, removed from or retyped in types.ts does not
// compile until the shape says the same, and `validateEvent` checks a JSON event against what
// the types claim (unknown fields included). The golden-event test runs every
// docs/events/*.json through it, so the server's encoder and the client's types cannot drift.

import type { Chat, FileInfo, Message, Reaction, ReadyChat, Ref, ServerEvent, User } from './types'

type Desc =
  | 'int'
  | 'bool'
  | 'string'
  | 'time' // an RFC 3339 string
  | 'ref' // a string or a number
  | { enum: readonly string[] }
  | { array: Desc }
  | { object: { [k: string]: Desc } }
  | { opt: Desc }

// ---- the type-level link ----

type IsOptional<T, K extends keyof T> = object extends Pick<T, K> ? true : false

type DescOf<V> = [V] extends [boolean]
  ? 'bool'
  : [V] extends [number]
    ? 'int'
    : [V] extends [string]
      ? string extends V
        ? 'string' | 'time'
        : { enum: readonly V[] }
      : [V] extends [Ref]
        ? 'ref'
        : [V] extends [readonly (infer E)[]]
          ? { array: DescOf<E> }
          : [V] extends [object]
            ? { object: Shape<V> }
            : never

/** One descriptor per field of T. */
export type Shape<T> = {
  [K in keyof T]-?: IsOptional<T, K> extends true ? { opt: DescOf<Exclude<T[K], undefined>> } : DescOf<T[K]>
}

type EventShapes = { [K in ServerEvent['type']]: Shape<Omit<Extract<ServerEvent, { type: K }>, 'type'>> }

// ---- the shapes ----

const reaction = { emoji: 'string', count: 'int', user_ids: { array: 'int' } } as const satisfies Shape<Reaction>

const file = {
  id: 'int',
  chat_id: 'int',
  uploader_id: 'int',
  message_id: { opt: 'int' },
  name: 'string',
  size: 'int',
  content_type: 'string',
  sha256: 'string',
  width: { opt: 'int' },
  height: { opt: 'int' },
  thumbnail: { opt: 'bool' },
  created_at: 'time',
  url: { opt: 'string' },
  thumbnail_url: { opt: 'string' },
} as const satisfies Shape<FileInfo>

const message = {
  id: 'int',
  chat_id: 'int',
  seq: 'int',
  sender_id: 'int',
  client_id: 'string',
  text: 'string',
  created_at: 'time',
  edited_at: { opt: 'time' },
  deleted: { opt: 'bool' },
  thread_id: { opt: 'int' },
  reply_count: { opt: 'int' },
  last_reply_at: { opt: 'time' },
  mentions: { opt: { array: 'int' } },
  broadcast: { opt: { enum: ['here', 'channel'] } },
  reactions: { opt: { array: { object: reaction } } },
  pinned: { opt: 'bool' },
  files: { opt: { array: { object: file } } },
} as const satisfies Shape<Message>

const role = { enum: ['owner', 'admin', 'member'] } as const

const user = {
  id: 'int',
  workspace_id: 'int',
  email: 'string',
  fullname: 'string',
  role,
  disabled: { opt: 'bool' },
  created_at: 'time',
} as const satisfies Shape<User>

const chat = {
  id: 'int',
  workspace_id: 'int',
  kind: { enum: ['direct', 'group', 'channel'] },
  name: 'string',
  topic: { opt: 'string' },
  private: 'bool',
  owner_id: 'int',
  archived: { opt: 'bool' },
  admin_archived: { opt: 'bool' },
  last_seq: 'int',
  member_count: { opt: 'int' },
  created_at: 'time',
  member_ids: { opt: { array: 'int' } },
} as const satisfies Shape<Chat>

const readyChat = {
  id: 'int',
  last_seq: 'int',
  last_read_seq: { opt: 'int' },
  unread: { opt: 'int' },
  mention_count: { opt: 'int' },
  reads: { opt: { array: { object: { user_id: 'int', last_read_seq: 'int' } } } },
} as const satisfies Shape<ReadyChat>

const member = { seq: 'int', chat_id: 'int', user_id: 'int', actor_id: 'int', created_at: 'time' } as const

export const eventShapes = {
  ready: { user: { object: user }, chats: { array: { object: readyChat } } },
  message: { seq: 'int', message: { object: message } },
  message_edited: { seq: 'int', message: { object: message } },
  message_deleted: { seq: 'int', chat_id: 'int', message_id: 'int' },
  chat_joined: { chat: { object: chat } },
  chat_left: { chat_id: 'int' },
  resync: { chat_id: 'int' },
  ack: { ref: { opt: 'ref' }, message: { object: message } },
  error: { ref: { opt: 'ref' }, code: 'string', message: 'string' },
  pong: { ref: { opt: 'ref' } },
  typing: { chat_id: 'int', user_id: 'int' },
  presence: { user_id: 'int', online: 'bool' },
  read: { chat_id: 'int', user_id: 'int', seq: 'int' },
  member_joined: member,
  member_left: member,
  authenticated: { ref: { opt: 'ref' }, expires_at: 'time' },
  reaction: { seq: 'int', chat_id: 'int', message_id: 'int', user_id: 'int', emoji: 'string', added: 'bool' },
  pinned: { seq: 'int', chat_id: 'int', message_id: 'int', user_id: 'int', pinned: 'bool' },
  mention: { chat_id: 'int', message_id: 'int', seq: 'int', sender_id: 'int' },
} as const satisfies EventShapes

/** Every event type the client's types know. */
export const eventTypes = Object.keys(eventShapes) as ServerEvent['type'][]

// ---- checking a value ----

function check(d: Desc, v: unknown, path: string, out: string[]): void {
  if (typeof d === 'object' && 'opt' in d) {
    if (v !== undefined) check(d.opt, v, path, out)
    return
  }
  const fail = (what: string) => out.push(`${path}: ${what}, got ${JSON.stringify(v)}`)
  switch (d) {
    case 'int':
      if (!Number.isSafeInteger(v)) fail('want an integer')
      return
    case 'bool':
      if (typeof v !== 'boolean') fail('want a boolean')
      return
    case 'string':
      if (typeof v !== 'string') fail('want a string')
      return
    case 'time':
      if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v)) fail('want an RFC 3339 time')
      return
    case 'ref':
      if (typeof v !== 'string' && typeof v !== 'number') fail('want a string or a number')
      return
  }
  if ('enum' in d) {
    if (typeof v !== 'string' || !d.enum.includes(v)) fail(`want one of ${d.enum.join(', ')}`)
  } else if ('array' in d) {
    if (!Array.isArray(v)) fail('want an array')
    else v.forEach((x, i) => check(d.array, x, `${path}[${i}]`, out))
  } else {
    checkObject(d.object, v, path, out)
  }
}

function checkObject(shape: { [k: string]: Desc }, v: unknown, path: string, out: string[]): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    out.push(`${path}: want an object, got ${JSON.stringify(v)}`)
    return
  }
  const obj = v as Record<string, unknown>
  for (const [k, d] of Object.entries(shape)) {
    if (!(k in obj) && !(typeof d === 'object' && 'opt' in d)) out.push(`${path}.${k}: missing`)
    else check(d, obj[k], `${path}.${k}`, out)
  }
  for (const k of Object.keys(obj)) if (!(k in shape)) out.push(`${path}.${k}: not in the client's types`)
}

/** What is wrong with a parsed event by the client's types; empty when it matches them. */
export function validateEvent(e: unknown): string[] {
  const type = (e as { type?: unknown })?.type
  if (typeof type !== 'string' || !(type in eventShapes)) return [`unknown event type ${JSON.stringify(type)}`]
  const out: string[] = []
  checkObject({ type: 'string', ...eventShapes[type as ServerEvent['type']] }, e, type, out)
  return out
}
