import { describe, expect, it } from 'vitest'
import { applyReaction, hasReacted, reactorsText, settleKnown, type Known } from './reactions'
import { Timeline } from './timeline'
import type { Message, Reaction, ReactionEvent } from './types'

const me = 1
let seq = 100
function delta(user: number, emoji: string, added: boolean, messageId = 10): ReactionEvent {
  return { type: 'reaction', seq: ++seq, chat_id: 1, message_id: messageId, user_id: user, emoji, added }
}
function msg(over: Partial<Message> = {}): Message {
  return { id: 10, chat_id: 1, seq: 5, sender_id: 2, client_id: 'c', text: 'hi', created_at: '2026-01-01T00:00:00Z', ...over }
}
const chips = (t: Timeline, id = 10) => (t.get(id)?.reactions ?? []).map((r) => `${r.emoji}${r.count}`)

describe('reaction deltas', () => {
  it('are set operations: the same delta twice counts once', () => {
    const known: Known = new Map()
    let list: Reaction[] | undefined = applyReaction(undefined, { user_id: 2, emoji: '👍', added: true }, known)!
    expect(list).toEqual([{ emoji: '👍', count: 1, user_ids: [2] }])
    expect(applyReaction(list, { user_id: 2, emoji: '👍', added: true }, known)).toBeNull()
    list = applyReaction(list, { user_id: 3, emoji: '👍', added: true }, known)!
    list = applyReaction(list, { user_id: 2, emoji: '👍', added: false }, known)!
    expect(list).toEqual([{ emoji: '👍', count: 1, user_ids: [3] }])
    expect(applyReaction(list, { user_id: 2, emoji: '👍', added: false }, known)).toBeNull()
    expect(applyReaction(list, { user_id: 3, emoji: '👍', added: false }, known)).toEqual([])
  })

  it('stay exact past the 20 names a snapshot lists', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => 100 + i)
    const known: Known = new Map()
    let list: Reaction[] = [{ emoji: '🎉', count: 25, user_ids: twenty }]
    list = applyReaction(list, { user_id: 7, emoji: '🎉', added: true }, known)!
    expect(list[0]).toMatchObject({ count: 26, user_ids: twenty })
    expect(hasReacted(list, '🎉', 7, known)).toBe(true)
    expect(applyReaction(list, { user_id: 7, emoji: '🎉', added: true }, known)).toBeNull()
    list = applyReaction(list, { user_id: 7, emoji: '🎉', added: false }, known)!
    expect(list[0].count).toBe(25)
    expect(applyReaction(list, { user_id: 7, emoji: '🎉', added: false }, known)).toBeNull()
    // an unnamed reactor we knew nothing of: the server sends removals that changed something
    list = applyReaction(list, { user_id: 8, emoji: '🎉', added: false }, known)!
    expect(list[0].count).toBe(24)
  })

  it('forget what a new snapshot says itself', () => {
    const known: Known = new Map([['👍\u00007', true], ['🎉\u00008', true]])
    settleKnown([{ emoji: '👍', count: 1, user_ids: [7] }, { emoji: '🎉', count: 30, user_ids: [1, 2] }], known)
    expect([...known.keys()]).toEqual(['🎉\u00008'])
  })

  it('name who reacted, "you" first-person, and how many more past 20', () => {
    const name = (id: number) => ({ 2: 'Ben', 3: 'Cleo' })[id] ?? `User ${id}`
    expect(reactorsText({ emoji: '👍', count: 1, user_ids: [1] }, name, me)).toBe('you')
    expect(reactorsText({ emoji: '👍', count: 3, user_ids: [2, 3, 1] }, name, me)).toBe('Ben, Cleo and you')
    expect(reactorsText({ emoji: '👍', count: 25, user_ids: [2, 3] }, name, me)).toBe('Ben, Cleo and 23 more')
  })
})

describe('reactions in a timeline, against the ack snapshot', () => {
  it('the ack first, then our own event: counted once', () => {
    const t = new Timeline()
    t.upsert(msg())
    t.upsert(msg({ reactions: [{ emoji: '👍', count: 1, user_ids: [me] }] }), [{ user_id: me, emoji: '👍', added: true }])
    expect(t.apply(delta(me, '👍', true))).toBe(false)
    expect(chips(t)).toEqual(['👍1'])
    expect(t.reacted(10, '👍', me)).toBe(true)
  })

  it('our own event first, then the ack: counted once', () => {
    const t = new Timeline()
    t.upsert(msg())
    expect(t.apply(delta(me, '👍', true))).toBe(true)
    t.upsert(msg({ reactions: [{ emoji: '👍', count: 1, user_ids: [me] }] }), [{ user_id: me, emoji: '👍', added: true }])
    expect(chips(t)).toEqual(['👍1'])
  })

  it('another reaction between the ack and our event: both counted, once each', () => {
    const t = new Timeline()
    t.upsert(msg())
    const other = delta(3, '👍', true)
    // the server committed Cleo's before ours: the ack holds both, her event comes after it
    t.upsert(msg({ reactions: [{ emoji: '👍', count: 2, user_ids: [3, me] }] }), [{ user_id: me, emoji: '👍', added: true }])
    t.apply(other)
    t.apply(delta(me, '👍', true))
    expect(chips(t)).toEqual(['👍2'])
    // and a removal whose event trails its ack
    t.upsert(msg({ reactions: [{ emoji: '👍', count: 1, user_ids: [3] }] }), [{ user_id: me, emoji: '👍', added: false }])
    t.apply(delta(me, '👍', false))
    expect(chips(t)).toEqual(['👍1'])
    expect(t.reacted(10, '👍', me)).toBe(false)
  })

  it('our own reaction past the 20 listed: the ack fact keeps the event from counting twice', () => {
    const t = new Timeline()
    const twenty = Array.from({ length: 20 }, (_, i) => 100 + i)
    t.upsert(msg({ reactions: [{ emoji: '🔥', count: 20, user_ids: twenty }] }))
    t.upsert(msg({ reactions: [{ emoji: '🔥', count: 21, user_ids: twenty }] }), [{ user_id: me, emoji: '🔥', added: true }])
    expect(t.reacted(10, '🔥', me)).toBe(true)
    expect(t.apply(delta(me, '🔥', true))).toBe(false)
    expect(chips(t)).toEqual(['🔥21'])
  })

  it('pinned events set the state; repeats change nothing', () => {
    const t = new Timeline()
    t.upsert(msg())
    expect(t.apply({ type: 'pinned', seq: 200, chat_id: 1, message_id: 10, user_id: 2, pinned: true })).toBe(true)
    expect(t.apply({ type: 'pinned', seq: 200, chat_id: 1, message_id: 10, user_id: 2, pinned: true })).toBe(false)
    expect(t.get(10)?.pinned).toBe(true)
    t.upsert(msg({ pinned: true }))
    expect(t.apply({ type: 'pinned', seq: 201, chat_id: 1, message_id: 10, user_id: 2, pinned: false })).toBe(true)
    expect(t.get(10)?.pinned).toBeFalsy()
  })

  it('a snapshot with new reactions or pin state replaces the old message', () => {
    const t = new Timeline()
    t.upsert(msg())
    expect(t.upsert(msg({ reactions: [{ emoji: '👀', count: 1, user_ids: [2] }] }))).toBe(true)
    expect(t.upsert(msg({ reactions: [{ emoji: '👀', count: 1, user_ids: [2] }] }))).toBe(false)
    expect(t.upsert(msg({ reactions: [{ emoji: '👀', count: 1, user_ids: [2] }], pinned: true }))).toBe(true)
  })
})
