// One chat's messages as the client knows them: ordered by seq, unique by id, built from
// history pages (REST) and live events (socket) in any overlap. Membership changes seen on the
// socket are kept beside them as notices ("Ben joined"); history pages carry messages only.

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

  /** Inserts or replaces a message; returns whether anything changed. */
  upsert(m: Message): boolean {
    const old = this.byId.get(m.id)
    if (old) {
      if (sameMessage(old, m)) return false
      this.byId.set(m.id, m)
      this.messages = this.messages.map((x) => (x.id === m.id ? m : x))
      return true
    }
    this.byId.set(m.id, m)
    const last = this.messages[this.messages.length - 1]
    if (!last || last.seq < m.seq) {
      this.messages = [...this.messages, m]
      return true
    }
    const i = lowerBound(this.messages, m.seq)
    this.messages = [...this.messages.slice(0, i), m, ...this.messages.slice(i)]
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
    }
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
    for (const m of fresh) this.byId.set(m.id, m)
    const freshIds = new Set(fresh.map((m) => m.id))
    const merged = [...this.messages.filter((m) => !freshIds.has(m.id)), ...fresh]
    merged.sort((a, b) => a.seq - b.seq)
    this.messages = merged
  }

  /** Forgets everything (after a resync the gap is refilled from the newest page). */
  reset(): void {
    this.messages = []
    this.notices = []
    this.byId.clear()
    this.hasOlder = true
    this.loaded = false
  }
}

function sameMessage(a: Message, b: Message): boolean {
  return a.text === b.text && a.edited_at === b.edited_at && !!a.deleted === !!b.deleted && a.seq === b.seq
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
