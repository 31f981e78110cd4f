import { describe, expect, it } from 'vitest'
import { parseCommand, shownText } from './commands'

describe('assistant commands', () => {
  it('reads the three commands and leaves other text alone', () => {
    expect(parseCommand('/summarize')).toEqual({ kind: 'summarize' })
    expect(parseCommand('  /summarise  ')).toEqual({ kind: 'summarize' })
    expect(parseCommand('/ask what did we decide?')).toEqual({ kind: 'ask', text: 'what did we decide?' })
    expect(parseCommand('/translate French')).toEqual({ kind: 'translate', lang: 'French' })
    expect(parseCommand('hello /ask me')).toBeNull()
    expect(parseCommand('/asking')).toBeNull()
    expect(parseCommand('/shrug')).toBeNull()
  })
  it('says what is missing', () => {
    expect(parseCommand('/ask')).toEqual({ kind: 'invalid', error: 'Type a question after /ask' })
    expect(parseCommand('/translate')?.kind).toBe('invalid')
    expect(parseCommand('/translate ' + 'x'.repeat(41))?.kind).toBe('invalid')
  })
  it('shows the streamed text only while the answer streams', () => {
    const streams = { 5: 'The plan is' }
    expect(shownText({ id: 5, text: '', state: 'streaming' }, streams)).toBe('The plan is')
    expect(shownText({ id: 5, text: 'The plan is final.' }, streams)).toBe('The plan is final.')
    expect(shownText({ id: 6, text: '', state: 'streaming' }, streams)).toBe('')
  })
})
