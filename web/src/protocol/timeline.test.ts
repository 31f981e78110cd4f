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
    expect(t.apply({ type: 'member_left', seq: 4, chat_id: 1, user_id: 5, actor_id: 2, created_at: '2026-12-01T09:30:00Z' })).toBe(true)
    expect(t.apply({ type: 'member_joined', seq: 2, chat_id: 1, user_id: 5, actor_id: 2, created_at: '2026-12-01T09:30:00Z' })).toBe(true)
    expect(t.apply({ type: 'member_joined', seq: 2, chat_id: 1, user_id: 5, actor_id: 2, created_at: '2026-12-01T09:30:00Z' })).toBe(false)
    expect(t.notices.map((n) => [n.seq, n.kind])).toEqual([[2, 'joined'], [4, 'left']])
    expect(ids(t)).toEqual([1, 3])
    t.reset()
    expect(t.notices).toEqual([])
  })

  describe('thread replies', () => {
    const at = (min: number) => `2026-01-01T00:${String(min).padStart(2, '0')}:00Z`
    const root = (over: Partial<Message> = {}) => msg(1, 1, { created_at: at(0), ...over })
    const reply = (id: number, seq: number, min: number) => msg(id, seq, { thread_id: 1, created_at: at(min) })

    it('count on their root once, whether they come live, in a page or as an ack', () => {
      const t = new Timeline()
      t.merge([root()], false, false)
      t.apply({ type: 'message', seq: 2, message: reply(2, 2, 1) })
      t.apply({ type: 'message', seq: 2, message: reply(2, 2, 1) })
      t.upsert(reply(3, 3, 2)) // our own reply's ack, before its event
      t.apply({ type: 'message', seq: 3, message: reply(3, 3, 2) })
      t.merge([reply(2, 2, 1), reply(3, 3, 2)], false, false)
      expect(t.get(1)).toMatchObject({ reply_count: 2, last_reply_at: at(2) })
    })

    it('do not count again on a root snapshot that holds them, and do count on an older one', () => {
      const t = new Timeline()
      t.merge([root({ reply_count: 2, last_reply_at: at(2) }), reply(2, 2, 1), reply(3, 3, 2)], false, false)
      expect(t.get(1)?.reply_count).toBe(2)
      t.apply({ type: 'message', seq: 4, message: reply(4, 4, 3) })
      expect(t.get(1)?.reply_count).toBe(3)
      // an edit of the root carries it as it is now: it holds all three
      t.apply({ type: 'message_edited', seq: 5, message: root({ text: 'edited', edited_at: at(4), reply_count: 3, last_reply_at: at(3) }) })
      expect(t.get(1)).toMatchObject({ reply_count: 3, text: 'edited' })
      // a page read before reply 4 was stored, arriving after it: reply 4 still counts
      t.merge([root({ text: 'edited', edited_at: at(4), reply_count: 2, last_reply_at: at(2) })], false, false)
      expect(t.get(1)?.reply_count).toBe(3)
    })

    it('uncount a deleted reply once, and never count a tombstone', () => {
      const t = new Timeline()
      t.merge([root(), reply(2, 2, 1), reply(3, 3, 2)], false, false)
      expect(t.get(1)?.reply_count).toBe(2)
      t.upsert({ ...reply(3, 3, 2), text: '', deleted: true }) // our delete's ack
      t.apply({ type: 'message_deleted', seq: 4, chat_id: 1, message_id: 3 })
      expect(t.get(1)?.reply_count).toBe(1)
      t.apply({ type: 'message', seq: 5, message: { ...reply(5, 5, 5), deleted: true, text: '' } })
      expect(t.get(1)?.reply_count).toBe(1)
    })

    it('replayed after a reconnect with the root as it is now: nothing doubles', () => {
      const t = new Timeline()
      t.apply({ type: 'message', seq: 1, message: root({ reply_count: 2, last_reply_at: at(2) }) })
      t.apply({ type: 'message', seq: 2, message: reply(2, 2, 1) })
      t.apply({ type: 'message', seq: 3, message: reply(3, 3, 2) })
      expect(t.get(1)?.reply_count).toBe(2)
    })
  })
})
