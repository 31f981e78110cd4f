import { describe, expect, it } from 'vitest'
import type { Preferences } from '../api'
import { notifies, titleFor } from './notify'

const base: Preferences = { notify: 'mentions', sound: false, dnd_until: null, chats: [] }
const now = Date.parse('2026-12-01T12:00:00Z')

describe('notifies', () => {
  it('follows the default: DMs and mentions', () => {
    expect(notifies(base, 7, true, false, now)).toBe(true)
    expect(notifies(base, 7, false, true, now)).toBe(true)
    expect(notifies(base, 7, false, false, now)).toBe(false)
  })
  it('honours levels, mute and do-not-disturb', () => {
    expect(notifies({ ...base, notify: 'all' }, 7, false, false, now)).toBe(true)
    expect(notifies({ ...base, notify: 'nothing' }, 7, true, true, now)).toBe(false)
    expect(notifies({ ...base, notify: 'all', dnd_until: '2026-12-01T13:00:00Z' }, 7, true, true, now)).toBe(false)
    expect(notifies({ ...base, notify: 'all', dnd_until: '2026-12-01T11:00:00Z' }, 7, false, false, now)).toBe(true)
    const muted = { ...base, chats: [{ chat_id: 7, muted: true, starred: false, notify: '' as const }] }
    expect(notifies(muted, 7, true, true, now)).toBe(false)
    expect(notifies(muted, 8, true, false, now)).toBe(true)
    const loud = { ...base, notify: 'nothing' as const, chats: [{ chat_id: 7, muted: false, starred: false, notify: 'all' as const }] }
    expect(notifies(loud, 7, false, false, now)).toBe(true)
  })
})

describe('titleFor', () => {
  it('counts unread messages in the title', () => {
    expect(titleFor(0)).toBe('Fechatter')
    expect(titleFor(3)).toBe('(3) Fechatter')
    expect(titleFor(250)).toBe('(99+) Fechatter')
  })
})
