import text from '../../../docs/events/ready.json?raw'
import { describe, expect, it } from 'vitest'
import { memberReads, ownRead } from './reads'
import type { ServerEvent } from './types'

const ready = JSON.parse(text) as Extract<ServerEvent, { type: 'ready' }>

describe('read state from the ready event (docs/events/ready.json)', () => {
  it('takes every member position of the chats that carry reads, and only those', () => {
    const m = memberReads(ready.chats)
    expect([...m.keys()]).toEqual([7]) // chat 8 is above the fan-out: no reads
    expect(m.get(7)).toEqual({ 3: 19, 5: 15, 9: 12 })
  })
  it('moves the own read position forward only', () => {
    const c = ready.chats[0]
    expect(ownRead(c, 10)).toEqual({ readSeq: 15, unread: 3 })
    expect(ownRead(c, 15)).toBeUndefined()
    expect(ownRead(c, 17)).toBeUndefined()
    expect(ownRead({ id: 1, last_seq: 4 }, 0)).toBeUndefined() // an older server
  })
})
