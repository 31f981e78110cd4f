import { describe, expect, it, vi } from 'vitest'
import { token, Usage } from './usage'

describe('client usage events', () => {
  it('keeps only what the allow-list accepts', () => {
    expect(token('chat view?id=3 <b>')).toBe('chatviewid3b')
    expect(token('x'.repeat(80))).toHaveLength(64)
  })
  it('batches events, 50 per call, only while signed in', async () => {
    const calls: unknown[] = []
    const api = { session: {} as never, authed: vi.fn(async (_m: string, _p: string, body: unknown) => void calls.push(body)) }
    const u = new Usage(api as never, 1_000_000)
    for (let i = 0; i < 120; i++) u.track({ kind: 'navigation', page: 'chat' })
    await u.flush()
    expect(calls.map((c) => (c as { events: unknown[] }).events.length)).toEqual([50, 50, 20])
    expect(api.authed).toHaveBeenCalledWith('POST', '/analytics/events', expect.anything())
  })
})
