// Read state after a reconnect. Read events are ephemeral: the server never replays them, so
// the ready event carries, per chat, the user's own read position and counts and (in chats
// within the presence fan-out) every member's read position. These helpers turn it into the
// client's state; Vue-free, like the rest of protocol/.
import type { ReadyChat } from './types'

/** chat id → user id → last read seq, for the chats whose ready entry carries reads. A chat
 * listed here replaces what the client knew (ready is the newest snapshot); a chat absent
 * keeps it (the server did not send reads for it). */
export function memberReads(chats: ReadyChat[]): Map<number, Record<number, number>> {
  const out = new Map<number, Record<number, number>>()
  for (const c of chats) {
    if (!c.reads) continue
    const m: Record<number, number> = {}
    for (const r of c.reads) m[r.user_id] = r.last_read_seq
    out.set(c.id, m)
  }
  return out
}

/** The user's own read position from ready: moved forward only, so a read this browser made
 * and the server has not stored yet is not undone. Returns undefined when nothing changes. */
export function ownRead(c: ReadyChat, readSeq: number): { readSeq: number; unread: number } | undefined {
  if (typeof c.last_read_seq !== 'number' || c.last_read_seq <= readSeq) return undefined
  return { readSeq: c.last_read_seq, unread: c.unread ?? 0 }
}
