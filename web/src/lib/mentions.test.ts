import { describe, expect, it } from 'vitest'
import { encodeMentions, forget, fromServer, matchesName, mentionCount, mentionQuery, mentionsMe, noMentions, noticed, readTo } from './mentions'

describe('composing mentions', () => {
  it('finds the @query before the caret', () => {
    expect(mentionQuery('hi @be', 6)).toEqual({ start: 3, query: 'be' })
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' })
    expect(mentionQuery('hi @Ben B', 9)).toEqual({ start: 3, query: 'Ben B' })
    expect(mentionQuery('mail ann@example.com', 20)).toBeNull()
    expect(mentionQuery('hi @ben\nthere', 13)).toBeNull()
    expect(mentionQuery('(@cl', 4)).toEqual({ start: 1, query: 'cl' })
  })

  it('matches names by any word', () => {
    expect(matchesName('Ben Baker', 'ben')).toBe(true)
    expect(matchesName('Ben Baker', 'bak')).toBe(true)
    expect(matchesName('Ben Baker', 'ben b')).toBe(true)
    expect(matchesName('Ben Baker', 'en')).toBe(false)
  })

  it('sends picked names as <@id> tokens, @here and @channel as broadcasts, code as typed', () => {
    const picked = [
      { id: 2, name: 'Ben' },
      { id: 3, name: 'Ben Baker' },
    ]
    expect(encodeMentions('@Ben Baker and @Ben, see @here', picked)).toBe('<@3> and <@2>, see <!here>')
    expect(encodeMentions('@Bent and x@Ben stay', picked)).toBe('@Bent and x@Ben stay')
    expect(encodeMentions('`@Ben` ```\n@channel\n``` @channel', picked)).toBe('`@Ben` ```\n@channel\n``` <!channel>')
    expect(encodeMentions('(@Ben)', picked)).toBe('(<@2>)')
  })

  it('says when a message calls for me', () => {
    expect(mentionsMe({ sender_id: 2, mentions: [1] }, 1)).toBe(true)
    expect(mentionsMe({ sender_id: 2, broadcast: 'here' }, 1)).toBe(true)
    expect(mentionsMe({ sender_id: 1, broadcast: 'here' }, 1)).toBe(false)
    expect(mentionsMe({ sender_id: 2, mentions: [3] }, 1)).toBe(false)
    expect(mentionsMe({ sender_id: 2, mentions: [1], deleted: true }, 1)).toBe(false)
  })
})

describe('the mention badge', () => {
  const n = (id: number, seq: number) => ({ message_id: id, seq })

  it('adds live notices once each, not while the chat is open and visible, not when read', () => {
    let b = fromServer(2, 10)
    b = noticed(b, n(50, 11), 8, false)!
    expect(mentionCount(b)).toBe(3)
    expect(noticed(b, n(50, 11), 8, false)).toBeNull() // the same message again
    expect(noticed(b, n(51, 12), 8, true)).toBeNull() // open and visible
    expect(noticed(b, n(52, 9), 8, false)).toBeNull() // the server's count has it
    expect(noticed(b, n(53, 13), 13, false)).toBeNull() // already read to there
  })

  it('keeps notices newer than a fresh server count, drops the ones it holds', () => {
    let b = noticed(noMentions, n(50, 11), 0, false)!
    b = noticed(b, n(51, 14), 0, false)!
    b = fromServer(1, 12, b) // the server counted message 50 (seq 11), not 51 yet
    expect(mentionCount(b)).toBe(2)
  })

  it('is cleared by reading, as far as the read goes', () => {
    let b = fromServer(2, 10)
    b = noticed(b, n(50, 11), 0, false)!
    b = noticed(b, n(51, 15), 0, false)!
    b = readTo(b, 12)!
    expect(mentionCount(b)).toBe(1)
    expect(readTo(b, 12)).toBeNull()
    expect(mentionCount(readTo(b, 15)!)).toBe(0)
    expect(readTo(fromServer(3, 10), 9)).toBeNull() // a read short of the count's horizon says nothing
  })

  it('forgets a deleted mention', () => {
    const b = noticed(noMentions, n(50, 11), 0, false)!
    expect(mentionCount(forget(b, 50)!)).toBe(0)
    expect(forget(b, 99)).toBeNull()
  })
})
