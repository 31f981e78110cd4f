// The web client's own usage events (POST /api/v1/analytics/events, docs/analytics.md): app
// start with its load time, navigation (navigation.ts), and uncaught errors by their class,
// never their message. Batched: sent a few seconds after the first one (or when the page is
// hidden), at most 50 at a time; failures are dropped. A browser that sends Do Not Track or
// Global Privacy Control gets no usage events at all.
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

/** The browser's privacy signals: navigator.doNotTrack ("1") and Global Privacy Control. */
export interface PrivacySignals {
  doNotTrack?: string | null
  globalPrivacyControl?: boolean
}

/** Whether usage events may be sent: not when the browser asks not to be tracked. */
export function trackingAllowed(nav: PrivacySignals | undefined = globalThis.navigator as PrivacySignals | undefined): boolean {
  if (!nav) return true
  const dnt = nav.doNotTrack ?? (globalThis as { doNotTrack?: string | null }).doNotTrack
  return dnt !== '1' && dnt !== 'yes' && nav.globalPrivacyControl !== true
}

export class Usage {
  private queue: ClientEvent[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private api: Pick<Api, 'authed' | 'session'>
  private delayMs: number
  private allowed: () => boolean
  constructor(api: Pick<Api, 'authed' | 'session'>, delayMs = 5000, allowed: () => boolean = () => trackingAllowed()) {
    this.api = api
    this.delayMs = delayMs
    this.allowed = allowed
  }

  track(e: ClientEvent): void {
    if (!this.allowed()) return // Do Not Track / Global Privacy Control: nothing is sent
    if (this.queue.length >= 200) return // a loop of errors must not grow without bound
    this.queue.push(e)
    this.timer ??= setTimeout(() => void this.flush(), this.delayMs)
  }

  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
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
  // a tab being closed or put away sends what is waiting instead of losing it
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void u.flush()
  })
}
