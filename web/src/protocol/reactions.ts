// Reactions on a message. A message's reactions come from snapshots (the message as the server
// sent it: a history page, a message or edit event, the ack of a react) and from `reaction`
// deltas ("user u added / removed emoji e"). A delta is applied as a set operation on the pair
// (e, u), never as a blind increment: applying it when the pair is already in that state does
// nothing. So a delta seen twice, or a delta arriving after an ack snapshot that already holds
// it, counts once, whatever the order.
//
// Snapshots list at most 20 user ids per emoji (count has them all). For users such a
// truncated list does not name, what deltas and acks taught us is kept in `Known`, so the set
// operations stay exact for them too. The one case left inexact: a snapshot and another
// user's delta racing on an emoji with more than 20 reactors (off by one until the next
// snapshot); the server's acks carry no seq to order them by.

import type { Reaction } from './types'

/** How many reactors a snapshot names per emoji. */
export const listedReactors = 20

/** What deltas and acks said about (emoji, user) pairs a truncated list does not name. */
export type Known = Map<string, boolean>

export interface ReactionDelta {
  user_id: number
  emoji: string
  added: boolean
}

const pair = (emoji: string, user: number) => emoji + '\u0000' + user

function truncated(r: Reaction): boolean {
  return r.count > r.user_ids.length
}

/** Whether user has reacted with emoji, as far as the list and what we learned tell. */
export function hasReacted(reactions: Reaction[] | undefined, emoji: string, user: number, known?: Known): boolean {
  const r = reactions?.find((x) => x.emoji === emoji)
  if (!r) return false
  if (r.user_ids.includes(user)) return true
  return truncated(r) && known?.get(pair(emoji, user)) === true
}

/** Applies a delta; returns the new list (the old one is not changed), or null when the pair
 * was already in that state. */
export function applyReaction(reactions: Reaction[] | undefined, d: ReactionDelta, known: Known): Reaction[] | null {
  const list = reactions ?? []
  const i = list.findIndex((x) => x.emoji === d.emoji)
  const r = i >= 0 ? list[i] : undefined
  const k = pair(d.emoji, d.user_id)
  if (d.added) {
    if (r && hasReacted(list, d.emoji, d.user_id, known)) return null
    if (!r) return [...list, { emoji: d.emoji, count: 1, user_ids: [d.user_id] }]
    const listed = r.user_ids.length < listedReactors && !truncated(r)
    if (!listed) known.set(k, true)
    else known.delete(k)
    return replace(list, i, { ...r, count: r.count + 1, user_ids: listed ? [...r.user_ids, d.user_id] : r.user_ids })
  }
  if (!r) return null
  let next: Reaction
  if (r.user_ids.includes(d.user_id)) {
    next = { ...r, count: r.count - 1, user_ids: r.user_ids.filter((u) => u !== d.user_id) }
  } else if (truncated(r) && known.get(k) !== false) {
    // an unnamed reactor: the server only sends a removal that changed something
    next = { ...r, count: r.count - 1 }
  } else {
    return null
  }
  known.set(k, false)
  if (next.count <= 0) return list.filter((_, j) => j !== i)
  return replace(list, i, next)
}

/** After a snapshot replaced a message's reactions: forgets what the snapshot now says itself
 * (named users, complete lists), keeps what it cannot say; then records `facts` (from the ack
 * of our own change, which the snapshot holds). */
export function settleKnown(reactions: Reaction[] | undefined, known: Known, facts: ReactionDelta[] = []): void {
  for (const k of [...known.keys()]) {
    const [emoji, user] = k.split('\u0000')
    const r = reactions?.find((x) => x.emoji === emoji)
    if (!r || !truncated(r) || r.user_ids.includes(Number(user))) known.delete(k)
  }
  for (const f of facts) {
    const r = reactions?.find((x) => x.emoji === f.emoji)
    if (r && truncated(r) && !r.user_ids.includes(f.user_id)) known.set(pair(f.emoji, f.user_id), f.added)
  }
}

/** Whether two reaction lists say the same. */
export function sameReactions(a: Reaction[] | undefined, b: Reaction[] | undefined): boolean {
  const x = a ?? []
  const y = b ?? []
  if (x.length !== y.length) return false
  return x.every((r, i) => r.emoji === y[i].emoji && r.count === y[i].count && r.user_ids.length === y[i].user_ids.length && r.user_ids.every((u, j) => u === y[i].user_ids[j]))
}

function replace(list: Reaction[], i: number, r: Reaction): Reaction[] {
  const out = list.slice()
  out[i] = r
  return out
}

/** Who reacted, for a chip's label: "Ann, Ben and 3 more". */
export function reactorsText(r: Reaction, name: (id: number) => string, me?: number): string {
  const names = r.user_ids.map((u) => (u === me ? 'you' : name(u)))
  const more = r.count - names.length
  if (more > 0) return `${names.join(', ')} and ${more} more`
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}
