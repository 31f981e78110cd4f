// Mentions on the client: the composer's @name autocomplete (what is being typed, and the
// <@ID> tokens the text is sent with), whether a message mentions the reader, and the
// sidebar's mention badge per chat.

import type { Message } from '../protocol/types'

// ---- composing ----

/** A member picked from the autocomplete: the composer shows "@Name", the text carries <@id>. */
export interface Picked {
  id: number
  name: string
}

export const broadcasts = ['here', 'channel'] as const

/** The @query being typed just before the caret, or null. A query may hold spaces ("@Ben B")
 * but not a line break, and the @ must start a word. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret)
  const m = /(?:^|[\s([{"'])@([^\s@<>`][^@<>`\n]{0,40})?$/u.exec(before)
  if (!m) return null
  const query = m[1] ?? ''
  if (/\s\s/.test(query) || query.split(' ').length > 3) return null
  return { start: caret - query.length - 1, query }
}

/** Whether a name matches what is typed: any word of it starts with the query's first word,
 * and the whole query is a prefix from there ("ben", "ben b", "baker"). */
export function matchesName(name: string, query: string): boolean {
  const q = query.trim().toLowerCase()
  if (!q) return true
  const n = name.toLowerCase()
  if (n.startsWith(q)) return true
  return n.split(/\s+/).some((_, i, words) => words.slice(i).join(' ').startsWith(q))
}

const wordEnd = '(?![\\p{L}\\p{N}_])'
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The text to send: each picked "@Name" becomes <@id>, "@here" and "@channel" become <!here>
 * and <!channel>; code spans and blocks are left as typed. */
export function encodeMentions(text: string, picked: Picked[]): string {
  const names = [...new Map(picked.map((p) => [p.name, p])).values()].sort((a, b) => b.name.length - a.name.length)
  const alts = [...names.map((p) => escapeRe(p.name)), ...broadcasts]
  const re = new RegExp(`(^|[^\\p{L}\\p{N}_@])@(${alts.join('|')})${wordEnd}`, 'gu')
  const byName = new Map(names.map((p) => [p.name, p.id]))
  return text
    .split(/(```[\s\S]*?(?:```|$)|`[^`\n]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(re, (_, pre: string, name: string) => {
            const id = byName.get(name)
            return pre + (id !== undefined ? `<@${id}>` : `<!${name}>`)
          }),
    )
    .join('')
}

/** Whether a message calls for the reader's attention: it names them, or says @here/@channel. */
export function mentionsMe(m: Pick<Message, 'sender_id' | 'mentions' | 'broadcast' | 'deleted'>, me: number): boolean {
  return !m.deleted && m.sender_id !== me && (!!m.broadcast || !!m.mentions?.includes(me))
}

// ---- the badge ----

/**
 * A chat's mention badge: the server's mention_count (mentions after the read position, as of
 * the chat's last_seq when it answered) plus the live `mention` notices after that, each
 * message once. Reading the chat clears what it covers. Values are replaced, never mutated.
 */
export interface MentionBadge {
  base: number
  baseSeq: number
  live: { id: number; seq: number }[]
}

export const noMentions: MentionBadge = { base: 0, baseSeq: 0, live: [] }

export function mentionCount(b: MentionBadge): number {
  return b.base + b.live.length
}

/** The server's count from GET /chats; notices it cannot hold yet (newer than its last_seq) stay. */
export function fromServer(count: number, lastSeq: number, prev: MentionBadge = noMentions): MentionBadge {
  return { base: count, baseSeq: lastSeq, live: prev.live.filter((n) => n.seq > lastSeq) }
}

/** A live notice; unchanged (null) when the chat is open and visible, already read to there,
 * already counted by the server, or seen before. */
export function noticed(b: MentionBadge, n: { message_id: number; seq: number }, readSeq: number, visible: boolean): MentionBadge | null {
  if (visible || n.seq <= readSeq || n.seq <= b.baseSeq || b.live.some((x) => x.id === n.message_id)) return null
  return { ...b, live: [...b.live, { id: n.message_id, seq: n.seq }] }
}

/** The chat was read up to seq (here or on another device). */
export function readTo(b: MentionBadge, seq: number): MentionBadge | null {
  const live = b.live.filter((n) => n.seq > seq)
  const base = seq >= b.baseSeq ? 0 : b.base
  if (base === b.base && live.length === b.live.length) return null
  return { base, baseSeq: b.baseSeq, live }
}

/** A mentioning message was deleted: the server no longer counts it either. */
export function forget(b: MentionBadge, messageId: number): MentionBadge | null {
  const live = b.live.filter((n) => n.id !== messageId)
  return live.length === b.live.length ? null : { ...b, live }
}
