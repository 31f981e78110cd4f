// Class lists shared by forms, so every screen's fields and buttons look alike.

import { ApiError } from '../api'

export const field =
  'mt-1 block w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500/30 disabled:bg-zinc-100 disabled:text-zinc-500 read-only:bg-zinc-100 read-only:text-zinc-600 dark:border-zinc-700 dark:bg-zinc-900 dark:read-only:bg-zinc-800 dark:disabled:bg-zinc-800'

export const primaryButton =
  'rounded-lg bg-accent-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-accent-700 disabled:opacity-60'

export const quietButton = 'rounded-lg px-3 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800'

export const errorBox = 'rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300'

/** The message to show for a failed call: the server's own words when it answered. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message
  return 'Cannot reach the server. Check your connection and try again.'
}
