// The sidebar's sections and their order, which Alt+↑/↓ follows too: Starred first, then (when
// the user wants it) Unreads, then Channels, Groups and Direct messages, each by name. A chat
// appears once, in the first section that takes it.

import { ref, watch } from 'vue'
import { prefOf } from './prefs'
import { chatTitle, state, type ChatEntry } from './session'

const unreadsKey = 'fechatter.unreadsFirst'
export const unreadsFirst = ref(typeof localStorage !== 'undefined' && localStorage.getItem(unreadsKey) === '1')
watch(unreadsFirst, (v) => localStorage.setItem(unreadsKey, v ? '1' : '0'))

export type SectionKind = 'starred' | 'unreads' | 'channel' | 'group' | 'direct'
export interface Section {
  title: string
  kind: SectionKind
  items: ChatEntry[]
}

export function sections(): Section[] {
  const all = Object.values(state.chats).sort((a, b) => chatTitle(a.chat).localeCompare(chatTitle(b.chat)))
  const starred = all.filter((e) => prefOf(e.chat.id).starred)
  const rest = all.filter((e) => !prefOf(e.chat.id).starred)
  const unread = unreadsFirst.value ? rest.filter((e) => e.unread !== 0 && !prefOf(e.chat.id).muted) : []
  const others = rest.filter((e) => !unread.includes(e))
  const out: Section[] = []
  if (starred.length) out.push({ title: 'Starred', kind: 'starred', items: starred })
  if (unreadsFirst.value) out.push({ title: 'Unreads', kind: 'unreads', items: unread })
  out.push(
    { title: 'Channels', kind: 'channel', items: others.filter((e) => e.chat.kind === 'channel') },
    { title: 'Groups', kind: 'group', items: others.filter((e) => e.chat.kind === 'group') },
    { title: 'Direct messages', kind: 'direct', items: others.filter((e) => e.chat.kind === 'direct') },
  )
  return out
}

/** Every chat in sidebar order. */
export function chatOrder(): ChatEntry[] {
  return sections().flatMap((s) => s.items)
}

/** The chat step places from the active one (step ±1), or the next unread one that way. */
export function neighbour(step: 1 | -1, unreadOnly: boolean): number | null {
  const list = chatOrder()
  if (!list.length) return null
  const at = list.findIndex((e) => e.chat.id === state.activeChatId)
  for (let k = 1; k <= list.length; k++) {
    const i = (((at < 0 ? (step > 0 ? -1 : 0) : at) + step * k) % list.length + list.length) % list.length
    const e = list[i]
    if (!unreadOnly || (e.unread !== 0 && e.chat.id !== state.activeChatId)) return e.chat.id
  }
  return null
}
