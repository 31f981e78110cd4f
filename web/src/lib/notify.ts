// Whether a message notifies: the same rule as the server's fechatter.Preferences.Notifies
// (prefs.go), so a push hook and this browser agree. Nothing while do-not-disturb lasts or in a
// muted chat; otherwise the chat's level, or the user's, where "mentions" means direct messages
// and messages that mention the user.

import type { ChatPreference, Preferences } from '../api'

export function chatPref(p: Preferences, chatId: number): ChatPreference {
  return p.chats.find((c) => c.chat_id === chatId) ?? { chat_id: chatId, muted: false, starred: false, notify: '' }
}

export function dndActive(p: Preferences, now: number): boolean {
  return !!p.dnd_until && Date.parse(p.dnd_until) > now
}

export function notifies(p: Preferences, chatId: number, direct: boolean, mention: boolean, now: number): boolean {
  if (dndActive(p, now)) return false
  const c = chatPref(p, chatId)
  if (c.muted) return false
  const level = c.notify || p.notify
  if (level === 'all') return true
  if (level === 'nothing') return false
  return mention || direct
}

/** The tab title: "(3) Fechatter" with unread messages, "Fechatter" without. */
export function titleFor(unread: number, base = 'Fechatter'): string {
  if (unread <= 0) return base
  return `(${unread > 99 ? '99+' : unread}) ${base}`
}
