// The web client's own usage events (POST /api/v1/analytics/events, docs/analytics.md): app
// start with its load time, and uncaught errors by their class, never their message. Batched:
// sent a few seconds after the first one, at most 50 at a time; failures are dropped.
import type { Api } from '../api'

export interface ClientEvent {
  kind: 'app_start' | 'navigation' | 'page_timing' | 'client_error'
  page?: string
  code?: string
  duration_ms?: number
  props?: Record<string, string>
}

/** A route name or error class the server's allow-list accepts: [A-Za-z0-9._-/:], ≤ 64. */
export function token(s: string): string {
  return s.replace(/[^A-Za-z0-9._\-/:]/g, '').slice(0, 64)
}

export class Usage {
  private queue: ClientEvent[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private api: Pick<Api, 'authed' | 'session'>
  private delayMs: number
  constructor(api: Pick<Api, 'authed' | 'session'>, delayMs = 5000) {
    this.api = api
    this.delayMs = delayMs
  }

  track(e: ClientEvent): void {
    if (this.queue.length >= 200) return // a loop of errors must not grow without bound
    this.queue.push(e)
    this.timer ??= setTimeout(() => void this.flush(), this.delayMs)
  }

  async flush(): Promise<void> {
    this.timer = null
    while (this.queue.length > 0 && this.api.session) {
      const events = this.queue.splice(0, 50)
      await this.api.authed('POST', '/analytics/events', { events }).catch(() => {})
    }
  }
}

/** Tracks the app's start (once signed in) and its uncaught errors. */
export function trackApp(u: Usage, page: () => string): void {
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
  u.track({ kind: 'app_start', page: token(page()), props: { platform: token(navigator.platform || 'unknown') } })
  if (nav) u.track({ kind: 'page_timing', page: token(page()), duration_ms: Math.round(Math.min(nav.duration || nav.loadEventEnd, 3_600_000)) })
  window.addEventListener('error', (e) => u.track({ kind: 'client_error', page: token(page()), code: token(e.error?.name ?? 'Error') }))
  window.addEventListener('unhandledrejection', (e) =>
    u.track({ kind: 'client_error', page: token(page()), code: token((e.reason as Error)?.name ?? 'UnhandledRejection') }),
  )
}
