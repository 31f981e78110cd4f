import { describe, expect, it } from 'vitest'
import { Timeline } from './timeline'
import type { Message } from './types'

function msg(id: number, seq: number, over: Partial<Message> = {}): Message {
  return { id, chat_id: 1, seq, sender_id: 2, client_id: `c${id}`, text: `m${id}`, created_at: '2026-01-01T00:00:00Z', ...over }
}

const ids = (t: Timeline) => t.messages.map((m) => m.id)

describe('Timeline', () => {
  it('merges overlapping pages and live events without duplicates, in seq order', () => {
    const t = new Timeline()
    t.apply({ type: 'message', seq: 12, message: msg(12, 12) }) // live before the page loads
    t.merge([msg(9, 9), msg(10, 10), msg(11, 11), msg(12, 12)], true, false)
    t.apply({ type: 'message', seq: 12, message: msg(12, 12) })
    t.apply({ type: 'message', seq: 13, message: msg(13, 13) })
    t.merge([msg(7, 7), msg(8, 8), msg(9, 9)], false, true)
    expect(ids(t)).toEqual([7, 8, 9, 10, 11, 12, 13])
    expect(t.hasOlder).toBe(false)
  })

  it('applies edits and deletes to loaded messages', () => {
    const t = new Timeline()
    t.merge([msg(1, 1), msg(2, 2)], false, false)
    expect(t.apply({ type: 'message_edited', seq: 3, message: msg(1, 1, { text: 'new', edited_at: 'x' }) })).toBe(true)
    expect(t.apply({ type: 'message_deleted', seq: 4, chat_id: 1, message_id: 2 })).toBe(true)
    expect(t.apply({ type: 'message_deleted', seq: 4, chat_id: 1, message_id: 2 })).toBe(false)
    expect(t.messages.map((m) => [m.text, !!m.deleted])).toEqual([['new', false], ['', true]])
  })

  it('inserts out-of-order messages at their place', () => {
    const t = new Timeline()
    t.upsert(msg(3, 3))
    t.upsert(msg(1, 1))
    t.upsert(msg(2, 2))
    expect(ids(t)).toEqual([1, 2, 3])
    expect(t.oldestSeq).toBe(1)
    expect(t.newestSeq).toBe(3)
  })

  it('keeps hasOlder from the page that is its start', () => {
    const t = new Timeline()
    t.merge([msg(5, 5), msg(6, 6)], true, false)
    expect(t.hasOlder).toBe(true)
    t.merge([msg(6, 6), msg(7, 7)], false, false) // a later newest page says nothing about older
    expect(t.hasOlder).toBe(true)
  })

  it('keeps membership events as notices in seq order, once each', () => {
    const t = new Timeline()
    t.merge([msg(1, 1), msg(3, 3)], false, false)
    expect(t.apply({ type: 'member_left', seq: 4, chat_id: 1, user_id: 5, actor_id: 2 })).toBe(true)
    expect(t.apply({ type: 'member_joined', seq: 2, chat_id: 1, user_id: 5, actor_id: 2 })).toBe(true)
    expect(t.apply({ type: 'member_joined', seq: 2, chat_id: 1, user_id: 5, actor_id: 2 })).toBe(false)
    expect(t.notices.map((n) => [n.seq, n.kind])).toEqual([[2, 'joined'], [4, 'left']])
    expect(ids(t)).toEqual([1, 3])
    t.reset()
    expect(t.notices).toEqual([])
  })
})
