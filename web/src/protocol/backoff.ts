/** Reconnect delays: exponential growth capped at maxMs, with "equal jitter" so a fleet of
 * clients dropped at once (a node restart, close code 1012) does not come back in step. */
export interface BackoffOptions {
  baseMs: number
  maxMs: number
  factor: number
}

export const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 30_000, factor: 2 }

/** delay returns the wait before reconnect attempt number `attempt` (0 for the first retry):
 * half of the capped exponential step plus a random share of the other half. */
export function delay(attempt: number, opts: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  const step = Math.min(opts.maxMs, opts.baseMs * Math.pow(opts.factor, Math.max(0, attempt)))
  return Math.round(step / 2 + random() * (step / 2))
}
