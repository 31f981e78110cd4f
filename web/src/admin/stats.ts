// Types and pure helpers of the admin stats page (GET /api/v1/admin/stats, docs/analytics.md).

export interface StatsPoint {
  t: string
  v: number
}

export interface ChatActivity {
  chat_id: number
  name: string
  kind: string
  messages: number
}

export interface Stats {
  mode: 'reduced' | 'clickhouse'
  from: string
  to: string
  interval: 'hour' | 'day'
  series: Record<string, StatsPoint[]>
  totals: Record<string, number>
  top_chats: ChatActivity[]
  connections_now: number
  send_ack_p99_ms: number | null
  errors_by_code?: Record<string, number>
  client_errors_by_page?: Record<string, number>
}

/** The query string of a window of `days` days ending now, by `interval`. */
export function statsQuery(days: number, interval: 'hour' | 'day', now = new Date()): string {
  const from = new Date(now.getTime() - days * 86_400_000)
  return `?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(now.toISOString())}&interval=${interval}`
}

/** Bars of a series scaled into a `width` × `height` box: x, width and height of each. */
export function bars(points: StatsPoint[], width: number, height: number): { x: number; w: number; h: number; p: StatsPoint }[] {
  if (points.length === 0) return []
  const max = Math.max(1, ...points.map((p) => p.v))
  const step = width / points.length
  return points.map((p, i) => ({ x: i * step, w: Math.max(1, step - 1), h: (p.v / max) * height, p }))
}

/** Whether a workspace role may see the stats. */
export function canSeeStats(role: string | undefined): boolean {
  return role === 'owner' || role === 'admin'
}
