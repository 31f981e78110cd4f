// Navigation events (docs/analytics.md): which screen the user moved to, named by a route
// name that never holds an id, a chat name or a query ("chat.channel", "chat.direct/thread",
// "switcher", "settings.notifications", "admin-stats"). Sent through Usage, so batched and
// subject to its opt-out.
import type { ChatKind } from '../protocol/types'
import { token, type Usage } from './usage'

/** What the signed-in screen shows, as far as navigation events care. */
export interface Screen {
  view: 'chat' | 'threads' | 'saved' | 'admin-stats'
  /** The open chat's kind, null when no chat is open. */
  chatKind: ChatKind | null
  /** The open chat's side panel. */
  panel: 'thread' | 'pins' | 'members' | null
  /** A dialog over the screen. */
  dialog: 'switcher' | 'help' | 'notifications' | null
}

const dialogPages: Record<NonNullable<Screen['dialog']>, string> = {
  switcher: 'switcher', // Ctrl/Cmd+K: jump to a chat or search messages
  help: 'shortcuts',
  notifications: 'settings.notifications',
}

/** The route name of a screen: a dialog wins, then the view, then the chat and its panel. */
export function pageName(s: Screen): string {
  if (s.dialog) return dialogPages[s.dialog]
  if (s.view !== 'chat') return s.view
  if (!s.chatKind) return 'home'
  return `chat.${s.chatKind}` + (s.panel ? `/${s.panel}` : '')
}

/** Tracks a navigation event each time the page changes (not when it stays the same). */
export class Navigation {
  private last = ''
  private usage: Pick<Usage, 'track'>
  constructor(usage: Pick<Usage, 'track'>) {
    this.usage = usage
  }

  visit(page: string): void {
    const p = token(page)
    if (!p || p === this.last) return
    const from = this.last
    this.last = p
    this.usage.track({ kind: 'navigation', page: p, props: from ? { from } : undefined })
  }
}
