// The user's preferences as the server keeps them (GET /me/preferences): notification level,
// sound, do-not-disturb, and per chat muted / starred / level. Read again whenever the socket
// is ready, so a change made on another device shows up here after a reconnect or a refocus.

import { reactive } from 'vue'
import type { ChatPreference, Preferences } from '../api'
import { chatPref } from '../lib/notify'
import { api, extend } from './session'

export const prefs = reactive<Preferences>({ notify: 'mentions', sound: false, dnd_until: null, chats: [] })

export async function loadPrefs() {
  Object.assign(prefs, await api.preferences())
}

export function prefOf(chatId: number): ChatPreference {
  return chatPref(prefs, chatId)
}

export async function setChatPref(chatId: number, change: Partial<Omit<ChatPreference, 'chat_id'>>) {
  const next = await api.updateChatPreference(chatId, change)
  prefs.chats = [...prefs.chats.filter((c) => c.chat_id !== chatId), next]
}

export async function setPrefs(change: Partial<Omit<Preferences, 'chats'>>) {
  Object.assign(prefs, await api.updatePreferences(change))
}

extend(
  (c) => [c.on('ready', () => void loadPrefs().catch(() => {}))],
  () => Object.assign(prefs, { notify: 'mentions', sound: false, dnd_until: null, chats: [] }),
)

if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && api.session) loadPrefs().catch(() => {})
  })
}
