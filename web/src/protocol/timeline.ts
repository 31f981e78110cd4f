// One chat's messages as the client knows them: ordered by seq, unique by id, built from
// history pages (REST) and live events (socket) in any overlap. Membership changes seen on the
// socket are kept beside them as notices ("Ben joined"); history pages carry messages only.
// Thread replies are messages of the timeline too (the channel view hides them); a new reply
// bumps its root's reply count (threads.ts), reaction and pin events change their message
// (reactions.ts). A thread panel keeps its own Timeline holding the root and its replies.

import { applyReaction, hasReacted, sameReactions, settleKnown, type Known, type ReactionDelta } from './reactions'
import { withoutReply, withReply } from './threads'
import type { Message, TimelineEvent } from './types'

/** A membership change in a chat's timeline: userId joined or left; actorId did it. */
export interface Notice {
  seq: number
  kind: 'joined' | 'left'
  userId: number
  actorId: number
}

export class Timeline {
  /** Ascending seq. Replace the array (never mutate it in place) so views can compare by identity. */
  messages: Message[] = []
  /** Membership notices, ascending seq; replaced, never mutated, like messages. */
  notices: Notice[] = []
  /** Whether older messages exist before messages[0] (unknown counts as true). */
  hasOlder = true
  /** Whether the newest page has been loaded over REST. */
  loaded = false
  private byId = new Map<number, Message>()
  private known = new Map<number, Known>() // per message: reactors a truncated list does not name
  private replies = new Map<number, Set<number>>() // root id → ids of its replies held here

  get oldestSeq(): number | undefined {
    return this.messages[0]?.seq
  }

  get newestSeq(): number | undefined {
    return this.messages[this.messages.length - 1]?.seq
  }

  has(id: number): boolean {
    return this.byId.has(id)
  }

  get(id: number): Message | undefined {
    return this.byId.get(id)
  }

  /** Inserts or replaces a message (a snapshot, as the server sent it); returns whether
   * anything changed. `facts` are what the ack of our own reaction says about us. */
  upsert(m: Message, facts?: ReactionDelta[]): boolean {
    const old = this.byId.get(m.id)
    if (old) {
      if (!sameReactions(old.reactions, m.reactions) || facts) settleKnown(m.reactions, this.knownOf(m.id), facts)
      if (sameMessage(old, m)) return false
      this.put(m)
      this.recount(m)
      if (m.deleted && !old.deleted && m.thread_id) this.rootChange(m.thread_id, withoutReply)
      return true
    }
    if (m.reactions || facts) settleKnown(m.reactions, this.knownOf(m.id), facts)
    this.byId.set(m.id, m)
    const last = this.messages[this.messages.length - 1]
    if (!last || last.seq < m.seq) {
      this.messages = [...this.messages, m]
    } else {
      const i = lowerBound(this.messages, m.seq)
      this.messages = [...this.messages.slice(0, i), m, ...this.messages.slice(i)]
    }
    this.recount(m)
    this.countReply(m)
    return true
  }

  /** Applies a live or replayed timeline event; returns whether anything changed. */
  apply(e: TimelineEvent): boolean {
    switch (e.type) {
      case 'message':
        return this.upsert(e.message)
      case 'message_edited':
        // an edit of a message older than what is loaded is shown when that page loads
        return this.byId.has(e.message.id) || this.loaded ? this.upsert(e.message) : false
      case 'message_deleted': {
        const old = this.byId.get(e.message_id)
        if (!old || old.deleted) return false
        return this.upsert({ ...old, text: '', deleted: true })
      }
      case 'member_joined':
      case 'member_left':
        return this.addNotice({ seq: e.seq, kind: e.type === 'member_joined' ? 'joined' : 'left', userId: e.user_id, actorId: e.actor_id })
      case 'reaction': {
        const old = this.byId.get(e.message_id)
        const next = old && applyReaction(old.reactions, e, this.knownOf(old.id))
        if (!old || !next) return false
        this.put({ ...old, reactions: next.length ? next : undefined })
        return true
      }
      case 'pinned': {
        const old = this.byId.get(e.message_id)
        if (!old || !!old.pinned === e.pinned) return false
        this.put({ ...old, pinned: e.pinned || undefined })
        return true
      }
    }
  }

  /** Whether user reacted to message id with emoji, as far as this client knows. */
  reacted(id: number, emoji: string, user: number): boolean {
    return hasReacted(this.byId.get(id)?.reactions, emoji, user, this.known.get(id))
  }

  private knownOf(id: number): Known {
    let k = this.known.get(id)
    if (!k) {
      k = new Map()
      this.known.set(id, k)
    }
    return k
  }

  /** Replaces a message that is in the timeline. */
  private put(m: Message): void {
    this.byId.set(m.id, m)
    this.messages = this.messages.map((x) => (x.id === m.id ? m : x))
  }

  /** A reply new to this timeline counts on its root, unless the root's snapshot holds it. */
  private countReply(m: Message): void {
    if (!m.thread_id) return
    let set = this.replies.get(m.thread_id)
    if (!set) this.replies.set(m.thread_id, (set = new Set()))
    set.add(m.id)
    this.rootChange(m.thread_id, (root) => withReply(root, m))
  }

  /** A root snapshot counts the replies up to its last_reply_at: count the newer ones held here
   * (a reply that arrived live while the snapshot was on its way). */
  private recount(root: Message): void {
    const ids = this.replies.get(root.id)
    if (!ids) return
    const held = [...ids].map((id) => this.byId.get(id)!).sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at))
    let r = root
    for (const reply of held) r = withReply(r, reply) ?? r
    if (r !== root) this.put(r)
  }

  private rootChange(rootId: number, change: (root: Message) => Message | null): boolean {
    const root = this.byId.get(rootId)
    const next = root && change(root)
    if (!next) return false
    this.put(next)
    return true
  }

  private addNotice(n: Notice): boolean {
    if (this.notices.some((x) => x.seq === n.seq)) return false
    this.notices = [...this.notices, n].sort((a, b) => a.seq - b.seq)
    return true
  }

  /** Merges a history page. `older` pages answer ?before=; otherwise it is the newest page. */
  merge(page: Message[], hasMore: boolean, older: boolean): void {
    // has_more speaks of what lies before the page; it only matters if the page is now our start
    const oldest = this.oldestSeq
    if (older || oldest === undefined || (page.length > 0 && page[0].seq <= oldest)) this.hasOlder = hasMore
    this.loaded = true
    const fresh = page.filter((m) => {
      const old = this.byId.get(m.id)
      return !old || !sameMessage(old, m)
    })
    if (fresh.length === 0) return
    const added = fresh.filter((m) => !this.byId.has(m.id))
    for (const m of fresh) {
      if (m.reactions || this.known.has(m.id)) settleKnown(m.reactions, this.knownOf(m.id))
      this.byId.set(m.id, m)
    }
    const freshIds = new Set(fresh.map((m) => m.id))
    const merged = [...this.messages.filter((m) => !freshIds.has(m.id)), ...fresh]
    merged.sort((a, b) => a.seq - b.seq)
    this.messages = merged
    for (const m of fresh) this.recount(m)
    for (const m of added) this.countReply(m)
  }

  /** Forgets everything (after a resync the gap is refilled from the newest page). */
  reset(): void {
    this.messages = []
    this.notices = []
    this.byId.clear()
    this.known.clear()
    this.replies.clear()
    this.hasOlder = true
    this.loaded = false
  }
}

function sameMessage(a: Message, b: Message): boolean {
  return (
    a.text === b.text &&
    a.edited_at === b.edited_at &&
    !!a.deleted === !!b.deleted &&
    a.seq === b.seq &&
    (a.reply_count ?? 0) === (b.reply_count ?? 0) &&
    a.last_reply_at === b.last_reply_at &&
    !!a.pinned === !!b.pinned &&
    sameReactions(a.reactions, b.reactions)
  )
}

function lowerBound(ms: Message[], seq: number): number {
  let lo = 0
  let hi = ms.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (ms[mid].seq < seq) lo = mid + 1
    else hi = mid
  }
  return lo
}
