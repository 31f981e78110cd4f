const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' })

export function time(iso: string): string {
  return timeFmt.format(new Date(iso))
}

const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** A date and time, e.g. "Dec 8, 2026, 11:54 AM" (invitation expiries). */
export function dateTime(iso: string): string {
  return dateTimeFmt.format(new Date(iso))
}

export function day(iso: string): string {
  const d = new Date(iso)
  const today = new Date()
  if (d.toDateString() === today.toDateString()) return 'Today'
  const y = new Date(today)
  y.setDate(today.getDate() - 1)
  if (d.toDateString() === y.toDateString()) return 'Yesterday'
  return dayFmt.format(d)
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  return ((parts[0]?.[0] ?? '?') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase()
}

/** A stable hue for a user id, for avatars. */
export function hue(id: number): number {
  return (id * 137.508) % 360
}

const shortDayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' })

/** A recent moment, briefly: "14:05" today, "yesterday 14:05", else "Dec 1". */
export function recently(iso: string): string {
  const label = day(iso)
  if (label === 'Today') return time(iso)
  if (label === 'Yesterday') return `yesterday ${time(iso)}`
  return shortDayFmt.format(new Date(iso))
}
