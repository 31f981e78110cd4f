import { describe, expect, it } from 'vitest'
import { bars, canSeeStats, statsQuery } from './stats'

describe('admin stats helpers', () => {
  it('scales bars to the largest value', () => {
    const b = bars([{ t: 'a', v: 1 }, { t: 'b', v: 4 }], 100, 40)
    expect(b.map((x) => x.h)).toEqual([10, 40])
    expect(b[1].x).toBe(50)
  })
  it('draws nothing for an empty series and flat zero for all zeros', () => {
    expect(bars([], 100, 40)).toEqual([])
    expect(bars([{ t: 'a', v: 0 }], 100, 40)[0].h).toBe(0)
  })
  it('asks for a window ending now', () => {
    const q = statsQuery(7, 'day', new Date('2026-12-08T00:00:00Z'))
    expect(q).toBe('?from=2026-12-01T00%3A00%3A00.000Z&to=2026-12-08T00%3A00%3A00.000Z&interval=day')
  })
  it('shows stats to owners and admins only', () => {
    expect(canSeeStats('owner')).toBe(true)
    expect(canSeeStats('admin')).toBe(true)
    expect(canSeeStats('member')).toBe(false)
    expect(canSeeStats(undefined)).toBe(false)
  })
})
