// What tells people something happened: the unread count in the tab title, a badge on the
// favicon, desktop notifications (Notification API) for what the preferences say notifies
// (lib/notify.ts), and an optional short sound. Permission is asked for when the user acts
// (their first send in this browser, or the button in Notification settings), never on load.

import { watch } from 'vue'
import { mentionsMe } from '../lib/mentions'
import { notifies, titleFor } from '../lib/notify'
import type { Message } from '../protocol/types'
import { prefOf, prefs } from './prefs'
import { chatTitle, extend, openChat, pageVisible, state, userName } from './session'

const askedKey = 'fechatter.notifications.asked'
const staleMs = 2 * 60_000

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined'
}

/** Asks for permission once per browser, from a user action (see the module comment). */
export function maybeAskPermission() {
  if (!notificationsSupported() || Notification.permission !== 'default' || localStorage.getItem(askedKey)) return
  localStorage.setItem(askedKey, '1')
  askPermission()
}

export function askPermission(): Promise<NotificationPermission> {
  if (!notificationsSupported()) return Promise.resolve('denied')
  return Notification.requestPermission()
}

/** Unread messages in chats that are not muted (what the title and the favicon count). */
export function unreadTotal(): number {
  let n = 0
  for (const e of Object.values(state.chats)) {
    if (prefOf(e.chat.id).muted) continue
    n += e.unread > 0 ? e.unread : e.unread < 0 ? 1 : 0
  }
  return n
}

// ---- title and favicon ----

let plainIcon = ''
let iconImage: HTMLImageElement | null = null

function iconLink(): HTMLLinkElement | null {
  return document.querySelector<HTMLLinkElement>('link[rel="icon"]')
}

function drawBadge(count: number) {
  const link = iconLink()
  if (!link) return
  plainIcon ||= link.href
  if (count <= 0) {
    link.href = plainIcon
    return
  }
  const paint = () => {
    const c = document.createElement('canvas')
    c.width = c.height = 64
    const g = c.getContext('2d')
    if (!g || !iconImage) return
    g.drawImage(iconImage, 0, 0, 64, 64)
    g.fillStyle = '#dc2626'
    g.beginPath()
    g.arc(46, 18, 18, 0, 2 * Math.PI)
    g.fill()
    g.fillStyle = '#fff'
    g.font = 'bold 24px sans-serif'
    g.textAlign = 'center'
    g.textBaseline = 'middle'
    g.fillText(count > 9 ? '9+' : String(count), 46, 19)
    link.href = c.toDataURL('image/png')
  }
  if (iconImage?.complete) return paint()
  iconImage = new Image()
  iconImage.onload = paint
  iconImage.src = plainIcon
}

// ---- notifying ----

let audio: AudioContext | null = null

/** A short, quiet two-tone chime made on the spot (no sound file to load). */
function chime() {
  try {
    audio ??= new AudioContext()
    const t = audio.currentTime
    for (const [i, f] of [880, 1320].entries()) {
      const o = audio.createOscillator()
      const v = audio.createGain()
      o.frequency.value = f
      v.gain.setValueAtTime(0.0001, t + i * 0.09)
      v.gain.exponentialRampToValueAtTime(0.08, t + i * 0.09 + 0.02)
      v.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.09 + 0.25)
      o.connect(v).connect(audio.destination)
      o.start(t + i * 0.09)
      o.stop(t + i * 0.09 + 0.3)
    }
  } catch {
    // no audio here: nothing to play
  }
}

function plain(text: string): string {
  return text.replace(/<@(\d+)>/g, (_, id) => '@' + userName(Number(id))).replace(/<!(here|channel)>/g, '@$1').slice(0, 180)
}

function onMessage(m: Message) {
  const me = state.user?.id
  if (!me || m.sender_id === me || m.deleted) return
  const entry = state.chats[m.chat_id]
  if (!entry) return
  // the chat on screen needs no notification
  if (m.chat_id === state.activeChatId && pageVisible() && document.hasFocus()) return
  const direct = entry.chat.kind === 'direct'
  if (!notifies(prefs, m.chat_id, direct, mentionsMe(m, me), Date.now())) return
  if (prefs.sound) chime()
  if (!notificationsSupported() || Notification.permission !== 'granted') return
  const who = userName(m.sender_id)
  const title = direct ? who : `${who} in ${chatTitle(entry.chat)}`
  const n = new Notification(title, { body: plain(m.text), tag: `chat-${m.chat_id}`, icon: plainIcon || '/favicon.svg' })
  n.onclick = () => {
    window.focus()
    openChat(m.chat_id)
    n.close()
  }
}

if (typeof window !== 'undefined') {
  watch(unreadTotal, (n) => {
    document.title = titleFor(n)
    drawBadge(n)
  })
  extend(
    (c) => [
      c.on('timeline', (e) => {
        // what a long-closed laptop replays after a reconnect is no longer news
        if (e.type === 'message' && Date.now() - Date.parse(e.message.created_at) < staleMs) onMessage(e.message)
      }),
    ],
    () => {
      document.title = titleFor(0)
      drawBadge(0)
    },
  )
}
