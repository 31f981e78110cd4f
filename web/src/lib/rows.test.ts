import { describe, expect, it } from 'vitest'
import type { Message } from '../protocol/types'
import { buildRows, noticeText } from './rows'

function msg(id: number, seq: number, sender = 2): Message {
  return { id, chat_id: 1, seq, sender_id: sender, client_id: `c${id}`, text: `m${id}`, created_at: `2026-01-01T00:0${seq}:00Z` }
}
const base = { outbox: [], me: 1, dividerSeq: 0, dayLabel: () => 'day' }

describe('buildRows', () => {
  it('puts membership notices between messages by seq and starts a new group after them', () => {
    const rows = buildRows({
      ...base,
      messages: [msg(1, 1), msg(2, 3), msg(3, 4)],
      notices: [{ seq: 2, kind: 'joined', userId: 5, actorId: 2 }, { seq: 5, kind: 'left', userId: 5, actorId: 5 }],
      hasOlder: false,
    })
    expect(rows.map((r) => r.key)).toEqual(['top', 'day:' + new Date('2026-01-01T00:01:00Z').toDateString(), 'm:1', 'n:2', 'm:2', 'm:3', 'n:5'])
    const heads = rows.filter((r) => r.kind === 'msg').map((r) => r.kind === 'msg' && r.head)
    expect(heads).toEqual([true, true, false])
  })

  it('holds back notices older than the loaded page while older history exists', () => {
    const rows = buildRows({ ...base, messages: [msg(9, 9)], notices: [{ seq: 3, kind: 'joined', userId: 5, actorId: 5 }], hasOlder: true })
    expect(rows.some((r) => r.kind === 'notice')).toBe(false)
  })
})

describe('noticeText', () => {
  const name = (id: number) => ({ 2: 'Ann', 5: 'Ben' })[id] ?? '?'
  it('says who did what', () => {
    expect(noticeText({ seq: 1, kind: 'joined', userId: 5, actorId: 5 }, name)).toBe('Ben joined')
    expect(noticeText({ seq: 1, kind: 'joined', userId: 5, actorId: 2 }, name)).toBe('Ann added Ben')
    expect(noticeText({ seq: 1, kind: 'left', userId: 5, actorId: 5 }, name)).toBe('Ben left')
    expect(noticeText({ seq: 1, kind: 'left', userId: 5, actorId: 2 }, name)).toBe('Ann removed Ben')
  })
})
