import { describe, expect, it, vi } from 'vitest'
import { token, trackingAllowed, Usage } from './usage'

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

  it('sends nothing when the browser asks not to be tracked', async () => {
    expect(trackingAllowed({})).toBe(true)
    expect(trackingAllowed({ doNotTrack: '0' })).toBe(true)
    expect(trackingAllowed({ doNotTrack: '1' })).toBe(false)
    expect(trackingAllowed({ doNotTrack: 'yes' })).toBe(false)
    expect(trackingAllowed({ globalPrivacyControl: true })).toBe(false)
    const api = { session: {} as never, authed: vi.fn(async () => {}) }
    const u = new Usage(api as never, 1_000_000, () => trackingAllowed({ doNotTrack: '1' }))
    u.track({ kind: 'navigation', page: 'chat' })
    u.track({ kind: 'client_error', page: 'chat', code: 'TypeError' })
    await u.flush()
    expect(api.authed).not.toHaveBeenCalled()
  })
  it('sends a waiting batch at once when flushed (the page is hidden), not again later', async () => {
    vi.useFakeTimers()
    try {
      const api = { session: {} as never, authed: vi.fn(async () => {}) }
      const u = new Usage(api as never, 5000, () => true)
      u.track({ kind: 'navigation', page: 'chat' })
      await u.flush()
      expect(api.authed).toHaveBeenCalledTimes(1)
      await vi.advanceTimersByTimeAsync(10_000)
      expect(api.authed).toHaveBeenCalledTimes(1)
    } finally {
      vi.useRealTimers()
    }
  })
})

