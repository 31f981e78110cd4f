// A thread root's "N replies · last reply …" kept current from the replies the client sees.
// The server sends no new root when someone replies; the client counts. A root snapshot (from
// a history page, a replayed or edited root, an ack) already counts every reply up to its
// last_reply_at, so a reply counts only when it is newer than that: the same reply seen twice,
// or seen after a snapshot that holds it, counts once.

import type { Message } from './types'

/** The root with reply counted, or null when the root already counts it. */
export function withReply(root: Message, reply: Message): Message | null {
  if (reply.deleted || reply.thread_id !== root.id) return null
  if (root.last_reply_at && Date.parse(reply.created_at) <= Date.parse(root.last_reply_at)) return null
  return { ...root, reply_count: (root.reply_count ?? 0) + 1, last_reply_at: reply.created_at }
}

/** The root after one of its replies was deleted (the server's count drops too). */
export function withoutReply(root: Message): Message {
  return { ...root, reply_count: Math.max(0, (root.reply_count ?? 0) - 1) }
}

/** Whether a message is a reply in a thread (shown in the thread panel, not the channel). */
export function isReply(m: Pick<Message, 'thread_id'>): boolean {
  return !!m.thread_id
}
