import { describe, expect, it, vi } from 'vitest'
import { Navigation, pageName, type Screen } from './navigation'
import type { ClientEvent } from './usage'
import { Usage } from './usage'

const screen = (s: Partial<Screen>): Screen => ({ view: 'chat', chatKind: null, panel: null, dialog: null, ...s })

describe('navigation events', () => {
  it('names screens by route, never by id or name', () => {
    expect(pageName(screen({}))).toBe('home')
    expect(pageName(screen({ chatKind: 'channel' }))).toBe('chat.channel')
    expect(pageName(screen({ chatKind: 'direct', panel: 'thread' }))).toBe('chat.direct/thread')
    expect(pageName(screen({ chatKind: 'group', panel: 'members' }))).toBe('chat.group/members')
    expect(pageName(screen({ view: 'threads' }))).toBe('threads')
    expect(pageName(screen({ view: 'saved' }))).toBe('saved')
    expect(pageName(screen({ view: 'admin-stats' }))).toBe('admin-stats')
    // a dialog is where the user is, over whatever is under it
    expect(pageName(screen({ chatKind: 'channel', dialog: 'switcher' }))).toBe('switcher')
    expect(pageName(screen({ dialog: 'notifications' }))).toBe('settings.notifications')
    expect(pageName(screen({ dialog: 'help' }))).toBe('shortcuts')
  })

  it('tracks each change of page once, with where it came from', () => {
    const events: ClientEvent[] = []
    const nav = new Navigation({ track: (e) => void events.push(e) })
    nav.visit('home')
    nav.visit('chat.channel')
    nav.visit('chat.channel') // the same screen again (a re-render, another channel): nothing
    nav.visit('switcher')
    nav.visit('chat.channel')
    expect(events).toEqual([
      { kind: 'navigation', page: 'home', props: undefined },
      { kind: 'navigation', page: 'chat.channel', props: { from: 'home' } },
      { kind: 'navigation', page: 'switcher', props: { from: 'chat.channel' } },
      { kind: 'navigation', page: 'chat.channel', props: { from: 'switcher' } },
    ])
  })

  it('sends only what the allow-list accepts, whatever it is given', () => {
    const events: ClientEvent[] = []
    const nav = new Navigation({ track: (e) => void events.push(e) })
    nav.visit('chat view <b>' + 'x'.repeat(80))
    nav.visit('   ')
    expect(events.map((e) => e.page)).toEqual([('chatviewb' + 'x'.repeat(80)).slice(0, 64)])
    for (const e of events) expect(e.page).toMatch(/^[A-Za-z0-9._\-/:]{1,64}$/)
  })

  it('reaches the server in batches through POST /analytics/events', async () => {
    const bodies: { events: ClientEvent[] }[] = []
    const api = { session: {} as never, authed: vi.fn(async (_m: string, _p: string, b: unknown) => void bodies.push(b as { events: ClientEvent[] })) }
    const u = new Usage(api as never, 1_000_000, () => true)
    const nav = new Navigation(u)
    for (let i = 0; i < 60; i++) nav.visit(i % 2 ? 'chat.channel' : 'threads')
    expect(api.authed).not.toHaveBeenCalled() // waits for the batch
    await u.flush()
    expect(bodies.map((b) => b.events.length)).toEqual([50, 10])
    expect(api.authed).toHaveBeenCalledWith('POST', '/analytics/events', expect.anything())
  })
})
