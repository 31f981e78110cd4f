// Threads, reactions, pins and saved messages as Vue state, on top of session.ts: the side
// panel of the open chat (a thread, its pins, its members), the Threads and Saved views, and
// the live events that keep them current. A thread panel keeps its own Timeline (the root and
// its replies, paged with ?thread_id=); the chat's timeline holds the replies too, and the
// channel view hides them behind the root's "N replies" line.

import { markRaw, reactive, watch } from 'vue'
import { ProtocolError, type ChatClient } from '../protocol/client'
import { withReply } from '../protocol/threads'
import { Timeline } from '../protocol/timeline'
import { chatOf, type Message, type ThreadSummary, type TimelineEvent } from '../protocol/types'
import { errorText } from '../lib/ui'
import { api, extend, getClient, openChat, pageVisible, state, timeline, touch } from './session'

export type Panel = { kind: 'thread'; chatId: number; rootId: number } | { kind: 'pins'; chatId: number } | { kind: 'members'; chatId: number }
export type View = 'chat' | 'threads' | 'saved'

export const conv = reactive({
  /** What the main area shows: the active chat, the followed threads, or saved messages. */
  view: 'chat' as View,
  /** The open chat's side panel. */
  panel: null as Panel | null,
  /** Followed threads, latest reply first (GET /me/threads), kept current live. */
  threads: [] as ThreadSummary[],
  threadsLoaded: false,
  /** Whether the user follows a thread, per root, where known. */
  following: {} as Record<number, boolean>,
  threadTicks: {} as Record<number, number>,
  threadLoading: {} as Record<number, boolean>,
  /** Whether older replies exist before the loaded ones, per root. */
  threadOlder: {} as Record<number, boolean>,
  /** Saved messages, latest save first (GET /me/saved, then this client's changes). */
  saved: [] as Message[],
  savedLoaded: false,
  /** Pinned messages of a chat whose pins were asked for, latest pin first. */
  pins: {} as Record<number, Message[]>,
})

const threadLines = new Map<number, Timeline>() // root id → the root and its replies

export function threadTimeline(rootId: number): Timeline {
  let t = threadLines.get(rootId)
  if (!t) {
    t = markRaw(new Timeline())
    threadLines.set(rootId, t)
  }
  return t
}

function touchThread(rootId: number) {
  conv.threadTicks[rootId] = (conv.threadTicks[rootId] ?? 0) + 1
}

/** A thread's root as this client knows it best. */
export function threadRoot(chatId: number, rootId: number): Message | undefined {
  return threadLines.get(rootId)?.get(rootId) ?? timeline(chatId).get(rootId) ?? conv.threads.find((t) => t.root.id === rootId)?.root
}

/** Places a message snapshot everywhere it is shown. */
function place(m: Message, facts?: Parameters<Timeline['upsert']>[1]) {
  const main = timeline(m.chat_id)
  if (main.has(m.id) && main.upsert(m, facts)) touch(m.chat_id)
  for (const rootId of [m.id, m.thread_id]) {
    const t = rootId && threadLines.get(rootId)
    if (t && (t.has(m.id) || m.thread_id === rootId) && t.upsert(m, facts)) touchThread(rootId)
  }
  patchSaved(m.id, () => m)
  const pins = conv.pins[m.chat_id]
  if (pins) conv.pins[m.chat_id] = m.pinned && !m.deleted ? (pins.some((p) => p.id === m.id) ? pins.map((p) => (p.id === m.id ? m : p)) : [m, ...pins]) : pins.filter((p) => p.id !== m.id)
}

// ---- views and panels ----

export function showView(v: View) {
  conv.view = v
  conv.panel = null
  if (v !== 'chat') openChat(null)
  if (v === 'threads') loadThreads().catch(() => {})
  if (v === 'saved') loadSaved().catch(() => {})
}

export function openPanel(p: Panel | null) {
  conv.panel = p
}

export function closePanel() {
  conv.panel = null
}

// ---- threads ----

/** Opens a thread's panel (opening its chat first); the panel loads it (loadThread). */
export function openThread(chatId: number, rootId: number, root?: Message) {
  if (state.activeChatId !== chatId) openChat(chatId)
  conv.view = 'chat'
  const known = root ?? threadRoot(chatId, rootId)
  const t = threadTimeline(rootId)
  if (known && !t.has(rootId)) t.upsert(known)
  touchThread(rootId)
  conv.panel = { kind: 'thread', chatId, rootId }
}

/** Loads a thread's newest replies and its root as it is now, then marks it read. */
export async function loadThread(chatId: number, rootId: number) {
  const known = threadRoot(chatId, rootId)
  const t = threadTimeline(rootId)
  if (known && !t.has(rootId)) t.upsert(known)
  if (!conv.threadsLoaded) loadThreads().catch(() => {})
  await Promise.all([loadReplies(chatId, rootId, false), known ? refreshRoot(chatId, known.seq) : null])
  markThreadRead(chatId, rootId)
}

/** Fetches a root as it is now (its reply count and reactions may have moved). */
async function refreshRoot(chatId: number, seq: number) {
  const m = await api.messageAt(chatId, seq)
  if (m && !m.thread_id) {
    const t = threadTimeline(m.id)
    if (t.upsert(m)) touchThread(m.id)
    place(m)
  }
}

/** Loads the newest replies of a thread, or the page before the oldest loaded one. */
export async function loadReplies(chatId: number, rootId: number, older: boolean) {
  if (conv.threadLoading[rootId]) return
  const t = threadTimeline(rootId)
  const oldest = t.messages.find((m) => m.id !== rootId)?.seq
  if (older && oldest === undefined) return
  conv.threadLoading[rootId] = true
  try {
    const page = await api.messages(chatId, { threadId: rootId, limit: 50, before: older ? oldest : undefined })
    t.merge(page.messages, page.has_more, older)
    if (older || oldest === undefined) conv.threadOlder[rootId] = page.has_more
    touchThread(rootId)
  } finally {
    conv.threadLoading[rootId] = false
  }
}

/** The replies of a thread, oldest first. */
export function replies(rootId: number): Message[] {
  return threadTimeline(rootId).messages.filter((m) => m.id !== rootId)
}

let readTimers = new Map<number, { chatId: number; timer: ReturnType<typeof setTimeout> }>()

/** Marks a thread read to its newest reply (on the server and in the Threads list). */
export function markThreadRead(chatId: number, rootId: number) {
  const newest = replies(rootId).at(-1)?.seq
  const summary = conv.threads.find((x) => x.root.id === rootId)
  if (!newest || !pageVisible()) return
  if (summary) {
    if (summary.last_read_seq >= newest) return
    summary.unread = 0
    summary.last_read_seq = newest
  }
  // Re-read the list once the server has the mark: a list fetched while the mark was in flight
  // would otherwise keep the replies it just read as unread.
  api.readThread(chatId, rootId, newest).then(loadThreadsSoon, () => {})
}

/** markThreadRead, at most once per second and a half per thread (replies arriving live);
 * closing the panel reads what it showed at once. */
function markThreadReadSoon(chatId: number, rootId: number) {
  if (readTimers.has(rootId)) return
  const timer = setTimeout(() => {
    readTimers.delete(rootId)
    if (conv.panel?.kind === 'thread' && conv.panel.rootId === rootId) markThreadRead(chatId, rootId)
  }, 1500)
  readTimers.set(rootId, { chatId, timer })
}

watch(
  () => conv.panel,
  (_, old) => {
    const pending = old?.kind === 'thread' ? readTimers.get(old.rootId) : undefined
    if (!pending || old?.kind !== 'thread') return
    clearTimeout(pending.timer)
    readTimers.delete(old.rootId)
    markThreadRead(pending.chatId, old.rootId)
  },
)

export async function loadThreads() {
  const list = await api.myThreads()
  conv.threads = list
  conv.threadsLoaded = true
  for (const t of list) conv.following[t.root.id] = true
}

let threadsTimer: ReturnType<typeof setTimeout> | null = null
function loadThreadsSoon() {
  if (threadsTimer) return
  threadsTimer = setTimeout(() => {
    threadsTimer = null
    loadThreads().catch(() => {})
  }, 1000)
}

export async function setFollow(chatId: number, rootId: number, on: boolean) {
  await api.followThread(chatId, rootId, on)
  conv.following[rootId] = on
  if (!on) conv.threads = conv.threads.filter((t) => t.root.id !== rootId)
  else loadThreadsSoon()
}

/** Whether the user follows a thread: known from the Threads list or this client's actions;
 * otherwise they follow threads they started or replied in. */
export function isFollowing(rootId: number, root?: Message): boolean {
  const known = conv.following[rootId]
  if (known !== undefined) return known
  if (!root || !state.user) return false
  return (root.reply_count ?? 0) > 0 && (root.sender_id === state.user.id || replies(rootId).some((r) => r.sender_id === state.user!.id))
}

export function threadsUnread(): number {
  return conv.threads.reduce((n, t) => n + t.unread, 0)
}

/** A new reply, live: the Threads list counts it, the open panel reads it. */
function onReply(reply: Message) {
  const rootId = reply.thread_id!
  const mine = reply.sender_id === state.user?.id
  if (mine) conv.following[rootId] = true
  const open = conv.panel?.kind === 'thread' && conv.panel.rootId === rootId
  const i = conv.threads.findIndex((t) => t.root.id === rootId)
  if (i < 0) {
    // a thread we follow without being listed yet (our root's first reply, our own reply)
    const root = threadRoot(reply.chat_id, rootId)
    if (mine || conv.following[rootId] || root?.sender_id === state.user?.id || reply.mentions?.includes(state.user?.id ?? 0)) loadThreadsSoon()
  } else {
    const t = conv.threads[i]
    const root = withReply(t.root, reply) ?? t.root
    const unread = !mine && !open && reply.seq > t.last_read_seq ? t.unread + 1 : t.unread
    conv.threads = [{ ...t, root, unread }, ...conv.threads.filter((_, j) => j !== i)]
  }
  if (open && !mine) markThreadReadSoon(reply.chat_id, rootId)
}

// ---- reactions, pins, saved ----

const inFlight = new Set<string>()

/** Whether the user reacted to m with emoji. */
export function reacted(m: Message, emoji: string): boolean {
  const me = state.user?.id ?? 0
  const t = timeline(m.chat_id).has(m.id) ? timeline(m.chat_id) : threadLines.get(m.thread_id ?? m.id)
  return t ? t.reacted(m.id, emoji, me) : !!m.reactions?.find((r) => r.emoji === emoji)?.user_ids.includes(me)
}

/** Adds the user's emoji to m, or takes it away if it is there. Throws with the server's words. */
export async function toggleReaction(m: Message, emoji: string) {
  const key = `${m.id}:${emoji}`
  if (inFlight.has(key)) return
  const add = !reacted(m, emoji)
  inFlight.add(key)
  try {
    const now = await request(() => getClient()!.react(m.chat_id, m.id, emoji, add))
    place(now, [{ user_id: state.user!.id, emoji, added: add }])
  } finally {
    inFlight.delete(key)
  }
}

export async function togglePin(m: Message) {
  const now = await request(() => getClient()!.pin(m.chat_id, m.id, !m.pinned))
  place(now)
}

export function isSaved(id: number): boolean {
  return conv.saved.some((m) => m.id === id)
}

export async function toggleSave(m: Message) {
  const on = !isSaved(m.id)
  await api.saveMessage(m.id, on)
  conv.saved = on ? [m, ...conv.saved] : conv.saved.filter((x) => x.id !== m.id)
}

function patchSaved(id: number, change: (m: Message) => Message) {
  if (isSaved(id)) conv.saved = conv.saved.map((x) => (x.id === id ? change(x) : x))
}

export async function loadSaved() {
  conv.saved = await api.saved()
  conv.savedLoaded = true
}

export async function loadPins(chatId: number) {
  conv.pins[chatId] = await api.pins(chatId)
}

/** Runs a socket request; a missing client reads as being offline. */
async function request(fn: () => Promise<Message>): Promise<Message> {
  if (!getClient()) throw new ProtocolError('offline', 'not connected')
  return fn()
}

/** The words to show for a failed action: the server's, or why it could not be asked. */
export function actionError(e: unknown): string {
  if (e instanceof ProtocolError) return e.code === 'offline' ? 'You are offline; try again when the connection is back.' : e.message
  return errorText(e)
}

// ---- live ----

function onTimeline(e: TimelineEvent) {
  const chatId = chatOf(e)
  if (e.type === 'message' || e.type === 'message_edited') {
    const m = e.message
    for (const rootId of [m.thread_id, m.id]) {
      const t = rootId && threadLines.get(rootId)
      if (t && (m.thread_id === rootId || t.has(m.id)) && t.apply(e)) touchThread(rootId)
    }
    if (e.type === 'message' && m.thread_id) onReply(m)
    if (e.type === 'message_edited') {
      patchSaved(m.id, () => m)
      conv.threads = conv.threads.map((t) => (t.root.id === m.id ? { ...t, root: m } : t))
    }
  } else if (e.type !== 'member_joined' && e.type !== 'member_left') {
    for (const [rootId, t] of threadLines) if (t.has(e.message_id) && t.apply(e)) touchThread(rootId)
  }
  if (e.type === 'pinned' && conv.pins[chatId]) {
    const m = timeline(chatId).get(e.message_id)
    if (m) place(m)
    else loadPins(chatId).catch(() => {})
  }
  if (e.type === 'message_deleted') {
    if (conv.pins[chatId]) conv.pins[chatId] = conv.pins[chatId].filter((p) => p.id !== e.message_id)
    patchSaved(e.message_id, (m) => ({ ...m, text: '', deleted: true }))
  }
}

function hook(c: ChatClient) {
  return [
    c.on('timeline', onTimeline),
    c.on('sent', (_cid, m) => {
      if (!m.thread_id) return
      conv.following[m.thread_id] = true
      const t = threadLines.get(m.thread_id)
      if (t?.upsert(m)) touchThread(m.thread_id)
    }),
    c.on('ready', () => {
      // unread replies may have come while we were away; replays refill open threads
      loadThreads().catch(() => {})
      if (!conv.savedLoaded) loadSaved().catch(() => {})
    }),
    c.on('resync', (chatId) => {
      for (const [rootId, t] of threadLines) {
        if (t.get(rootId)?.chat_id !== chatId) continue
        t.reset()
        touchThread(rootId)
        const p = conv.panel
        if (p?.kind === 'thread' && p.rootId === rootId) loadThread(chatId, rootId).catch((e) => (state.error = actionError(e)))
      }
    }),
    c.on('chat_left', (chatId) => {
      if (conv.panel?.chatId === chatId) conv.panel = null
      conv.threads = conv.threads.filter((t) => t.root.chat_id !== chatId)
      delete conv.pins[chatId]
      for (const [rootId, t] of threadLines) if (t.get(rootId)?.chat_id === chatId) threadLines.delete(rootId)
    }),
  ]
}

extend(hook, () => {
  threadLines.clear()
  for (const t of readTimers.values()) clearTimeout(t.timer)
  readTimers = new Map()
  Object.assign(conv, { view: 'chat', panel: null, threads: [], threadsLoaded: false, following: {}, threadTicks: {}, threadLoading: {}, threadOlder: {}, saved: [], savedLoaded: false, pins: {} })
})

if (typeof window !== 'undefined') {
  // for the e2e tests and debugging, beside session.ts's hooks
  const hooks = ((window as unknown as Record<string, Record<string, unknown>>).__fechatter ??= {})
  hooks.conv = conv
}
