// The signed-in session as Vue state: chats, directory, timelines, live state and the socket.
// The protocol client and timelines are plain objects; `ticks` tells views when a timeline moved.

import { markRaw, reactive } from 'vue'
import { Api, type SignupForm } from '../api'
import { Navigation } from '../admin/navigation'
import { trackApp, Usage } from '../admin/usage'
import { memberReads, ownRead } from '../protocol/reads'
import { forget, fromServer, noMentions, noticed, readTo, type MentionBadge } from '../lib/mentions'
import { ChatClient, type ConnectionState, type Features, type Outgoing } from '../protocol/client'
import { Timeline } from '../protocol/timeline'
import { chatOf, type Chat, type ChatKind, type ChatSummary, type MemberEvent, type Message, type User, type Workspace } from '../protocol/types'

export interface ChatEntry {
  chat: ChatSummary
  unread: number // -1: something new, count unknown
  readSeq: number // the user's read position (server's, or this browser's when newer)
  mentions: MentionBadge
}

const typingTTL = 6000
const readKey = (uid: number) => `fechatter.read.${uid}`

export const api = new Api()
/** The client's own usage events (app start, page timing, errors), sent in batches. */
export const usage = new Usage(api)
/** Navigation events: the screen the user moved to, by route name (admin/navigation.ts). */
export const navigation = new Navigation(usage)

export const state = reactive({
  user: api.session?.user ?? (null as User | null),
  workspace: null as Workspace | null,
  /** Why the last session ended when the user did not end it (shown on the login screen). */
  signedOutReason: '',
  chats: {} as Record<number, ChatEntry>,
  users: {} as Record<number, User>,
  activeChatId: null as number | null,
  connection: 'idle' as ConnectionState,
  retryInMs: 0,
  browserOnline: typeof navigator === 'undefined' ? true : navigator.onLine,
  everOnline: false,
  outbox: [] as Outgoing[],
  features: { typing: null, read: null, presence: false } as Features,
  typing: {} as Record<number, Record<number, number>>, // chat → user → until (ms)
  presence: {} as Record<number, boolean>,
  searchAvailable: false,
  ticks: {} as Record<number, number>,
  loading: {} as Record<number, boolean>,
  divider: {} as Record<number, number>, // chat → read position when it was opened
  /** chat → user → how far they have read (GET /chats/{id}/reads, then live read events) */
  reads: {} as Record<number, Record<number, number>>,
  error: '' as string,
})

// ---- extensions: other state modules hook into the client's lifetime ----

type ClientHook = (c: ChatClient) => (() => void)[]
const clientHooks: ClientHook[] = []
const resetHooks: (() => void)[] = []

/** Registers listeners on every client started (returns its removers) and a reset for sign-out. */
export function extend(onClient: ClientHook, onReset: () => void) {
  clientHooks.push(onClient)
  resetHooks.push(onReset)
}

/** Whether the page is showing (chats open in a hidden tab do not count as read). */
export function pageVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden'
}

const timelines = new Map<number, Timeline>()
let client: ChatClient | null = null
let offs: (() => void)[] = []

export function timeline(chatId: number): Timeline {
  let t = timelines.get(chatId)
  if (!t) {
    t = markRaw(new Timeline())
    timelines.set(chatId, t)
  }
  return t
}

/** Tells views that a chat's timeline changed. */
export function touch(chatId: number) {
  state.ticks[chatId] = (state.ticks[chatId] ?? 0) + 1
}

export function getClient(): ChatClient | null {
  return client
}

// ---- names ----

export function userName(id: number): string {
  if (state.user && id === state.user.id) return state.user.fullname
  return state.users[id]?.fullname ?? `User ${id}`
}

export function chatTitle(c: Chat): string {
  if (c.kind === 'direct') {
    const other = c.member_ids?.find((id) => id !== state.user?.id)
    return other ? userName(other) : 'Direct message'
  }
  if (c.name) return c.name
  const names = (c.member_ids ?? []).filter((id) => id !== state.user?.id).map(userName)
  return names.length ? names.join(', ') : 'Group'
}

export function directPeer(c: Chat): number | undefined {
  return c.kind === 'direct' ? c.member_ids?.find((id) => id !== state.user?.id) : undefined
}

// ---- read positions (kept in this browser too: the server's read markers may not exist yet) ----

function localReads(): Record<string, number> {
  if (!state.user) return {}
  try {
    return JSON.parse(localStorage.getItem(readKey(state.user.id)) ?? '{}')
  } catch {
    return {}
  }
}

function saveLocalRead(chatId: number, seq: number) {
  if (!state.user) return
  const all = localReads()
  all[chatId] = seq
  localStorage.setItem(readKey(state.user.id), JSON.stringify(all))
}

/** Marks the active chat read up to its newest loaded message. */
export function markActiveRead() {
  const id = state.activeChatId
  if (id === null || typeof document !== 'undefined' && document.visibilityState === 'hidden') return
  const entry = state.chats[id]
  if (!entry) return
  const seq = Math.max(entry.chat.last_seq, timeline(id).newestSeq ?? 0, client?.lastSeqOf(id) ?? 0)
  entry.unread = 0
  entry.mentions = readTo(entry.mentions, seq) ?? entry.mentions
  if (seq > entry.readSeq) {
    entry.readSeq = seq
    saveLocalRead(id, seq)
    client?.markRead(id, seq)
  }
}

// ---- workspace ----

/** Whether the user may invite people: workspace owner and admins, members when allowed. */
export function canInvite(): boolean {
  const role = state.user?.role
  return role === 'owner' || role === 'admin' || !!state.workspace?.members_can_invite
}

export async function loadWorkspace() {
  state.workspace = await api.workspace()
}

// ---- chats and directory ----

/** Adds a chat to the list or updates it (member_ids kept when c lacks them). */
export function upsertChat(c: Chat | ChatSummary) {
  const old = state.chats[c.id]
  const summary: ChatSummary = {
    ...{ role: 'member' as const, last_read_seq: 0, unread: 0 },
    ...old?.chat,
    ...c,
    member_ids: c.member_ids ?? old?.chat.member_ids,
  }
  // GET /chats says how many mentions wait (as of the chat's last_seq); other sources do not
  const counted = 'mention_count' in c && typeof c.mention_count === 'number'
  if (old) {
    old.chat = summary
    if (counted) old.mentions = fromServer(old.readSeq > summary.last_read_seq ? 0 : c.mention_count!, summary.last_seq, old.mentions)
    return
  }
  const local = localReads()[c.id] ?? 0
  const serverRead = summary.last_read_seq
  let unread = summary.unread
  if (local > serverRead) unread = summary.last_seq > local ? -1 : 0
  const mentions = counted ? fromServer(local > serverRead ? 0 : c.mention_count!, summary.last_seq) : noMentions
  state.chats[c.id] = { chat: summary, unread, readSeq: Math.max(local, serverRead), mentions }
  if (!summary.member_ids && (summary.kind === 'direct' || !summary.name)) {
    api.chat(c.id).then((full) => upsertChat(full), () => {})
  }
}

export async function loadChats() {
  const list = await api.chats()
  for (const c of list) upsertChat(c)
  for (const id of Object.keys(state.chats).map(Number)) {
    if (!list.some((c) => c.id === id)) delete state.chats[id]
  }
}

let directoryAt = 0
export async function loadDirectory(force = false) {
  if (!force && Date.now() - directoryAt < 10_000) return
  directoryAt = Date.now()
  const users = await api.users('', 200)
  for (const u of users) {
    state.users[u.id] = u
    // servers with live state say who is online in the directory; events keep it current
    if (typeof u.online === 'boolean') state.presence[u.id] = u.online
  }
}

export async function createChat(kind: ChatKind, name: string, memberIds: number[], isPrivate: boolean): Promise<number> {
  const chat = await api.createChat(kind, name, memberIds, isPrivate)
  upsertChat(chat)
  client?.advance(chat.id, chat.last_seq)
  return chat.id
}

// ---- history ----

export async function loadNewest(chatId: number) {
  const t = timeline(chatId)
  if (state.loading[chatId]) return
  state.loading[chatId] = true
  try {
    const page = await api.messages(chatId, { limit: 50 })
    t.merge(page.messages, page.has_more, false)
    touch(chatId)
  } finally {
    state.loading[chatId] = false
  }
}

export async function loadOlder(chatId: number): Promise<number> {
  const t = timeline(chatId)
  if (state.loading[chatId] || !t.hasOlder || t.oldestSeq === undefined) return 0
  state.loading[chatId] = true
  try {
    const page = await api.messages(chatId, { before: t.oldestSeq, limit: 100 })
    t.merge(page.messages, page.has_more, true)
    touch(chatId)
    return page.messages.length
  } finally {
    state.loading[chatId] = false
  }
}

export function openChat(chatId: number | null) {
  state.activeChatId = chatId
  if (chatId === null) return
  state.divider[chatId] = state.chats[chatId]?.readSeq ?? 0
  const t = timeline(chatId)
  if (!t.loaded) loadNewest(chatId).then(markActiveRead, (e) => (state.error = String(e.message ?? e)))
  else markActiveRead()
  loadReads(chatId).catch(() => {})
}

/** Every member's read position in a chat, for "seen by"; live read events keep it current. */
export async function loadReads(chatId: number) {
  const list = await api.reads(chatId)
  const m = { ...state.reads[chatId] }
  for (const r of list) m[r.user_id] = Math.max(m[r.user_id] ?? 0, r.last_read_seq)
  state.reads[chatId] = m
}

/** The members (not me) who have read chatId up to seq. */
export function seenBy(chatId: number, seq: number): number[] {
  const m = state.reads[chatId] ?? {}
  return Object.entries(m)
    .filter(([uid, s]) => s >= seq && Number(uid) !== state.user?.id)
    .map(([uid]) => Number(uid))
}

// ---- sending ----

/** Sends a message, or with threadId (the root's id) a reply in that thread. */
export function sendMessage(chatId: number, text: string, threadId?: number, fileIds?: number[]) {
  client?.send(chatId, text, threadId, fileIds)
}
export function retrySend(clientId: string) {
  client?.retry(clientId)
}
export function discardSend(clientId: string) {
  client?.discard(clientId)
}
export async function editMessage(m: Message, text: string) {
  const updated = await client!.edit(m.chat_id, m.id, text)
  if (timeline(m.chat_id).upsert(updated)) touch(m.chat_id)
}
export async function deleteMessage(m: Message) {
  const tomb = await client!.remove(m.chat_id, m.id)
  if (timeline(m.chat_id).upsert(tomb)) touch(m.chat_id)
}
export function typing(chatId: number) {
  client?.typing(chatId)
}

export function typingUsers(chatId: number, now: number): number[] {
  const m = state.typing[chatId] ?? {}
  return Object.entries(m)
    .filter(([uid, until]) => until > now && Number(uid) !== state.user?.id)
    .map(([uid]) => Number(uid))
}

// ---- lifecycle ----

function wsURL(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${location.host}/ws`
}

export function start() {
  if (client || !api.session) return
  state.user = api.session.user
  const c = markRaw(new ChatClient({ url: wsURL(), token: (refresh) => api.credential(refresh) }))
  client = c
  offs = [
    c.on('state', (s, info) => {
      state.connection = s
      state.retryInMs = info.retryInMs ?? 0
      if (s === 'closed' && !api.session) signedOut()
    }),
    c.on('ready', (user, chats) => {
      state.user = user
      if (!state.everOnline) trackApp(usage, () => (location.pathname === '/admin/stats' ? 'admin-stats' : 'chat'))
      state.everOnline = true
      // the chat list and unread counts may have moved while we were away
      loadChats().catch(() => {})
      loadDirectory().catch(() => {})
      loadWorkspace().catch(() => {})
      // read positions moved while we were away, and read events are not replayed: ready
      // carries them (every member's in small chats, for "seen by"; our own everywhere)
      const reads = memberReads(chats)
      for (const [id, m] of reads) state.reads[id] = m
      for (const rc of chats) {
        const entry = state.chats[rc.id]
        const own = entry && ownRead(rc, entry.readSeq)
        if (!entry || !own) continue
        entry.readSeq = own.readSeq
        entry.unread = own.unread
        entry.mentions = readTo(entry.mentions, own.readSeq) ?? entry.mentions
      }
      markActiveRead()
      // a large chat's positions are not in ready: ask for the open one
      if (state.activeChatId !== null && !reads.has(state.activeChatId)) loadReads(state.activeChatId).catch(() => {})
    }),
    c.on('signed_out', (reason) => signedOut(`You were signed out: ${reason}.`)),
    c.on('timeline', (e) => {
      const chatId = chatOf(e)
      if (timeline(chatId).apply(e)) touch(chatId)
      const entry = state.chats[chatId]
      if (entry) entry.chat.last_seq = Math.max(entry.chat.last_seq, e.seq)
      if (e.type === 'member_joined' || e.type === 'member_left') {
        if (entry) applyMembership(entry.chat, e)
        if (!state.users[e.user_id] || !state.users[e.actor_id]) loadDirectory(true).catch(() => {})
      } else if (e.type === 'message') {
        if (e.message.sender_id !== state.user?.id && !state.users[e.message.sender_id]) loadDirectory().catch(() => {})
        delete state.typing[chatId]?.[e.message.sender_id]
        if (chatId === state.activeChatId && pageVisible()) markActiveRead()
        else if (entry && e.message.sender_id !== state.user?.id && e.seq > entry.readSeq && entry.unread >= 0) entry.unread++
      } else if (e.type === 'message_deleted' && entry) {
        entry.mentions = forget(entry.mentions, e.message_id) ?? entry.mentions
      }
      if (!entry) loadChats().catch(() => {})
    }),
    c.on('sent', (_cid, m) => {
      if (timeline(m.chat_id).upsert(m)) touch(m.chat_id)
      if (m.chat_id === state.activeChatId) markActiveRead()
    }),
    c.on('outbox', (items) => {
      state.outbox = items.map((i) => ({ ...i }))
    }),
    c.on('chat_joined', (chat) => {
      upsertChat(chat)
      loadDirectory(true).catch(() => {})
    }),
    c.on('chat_left', (id) => {
      delete state.chats[id]
      timelines.delete(id)
      if (state.activeChatId === id) state.activeChatId = null
    }),
    c.on('resync', (id) => {
      // more was missed than the server replays: start this chat over from the newest page
      timeline(id).reset()
      touch(id)
      if (id === state.activeChatId) loadNewest(id).catch(() => {})
    }),
    c.on('typing', (chatId, userId) => {
      state.typing[chatId] = { ...state.typing[chatId], [userId]: Date.now() + typingTTL }
    }),
    c.on('presence', (userId, online) => {
      state.presence[userId] = online
    }),
    c.on('read', (chatId, userId, seq) => {
      const entry = state.chats[chatId]
      if (state.reads[chatId] || chatId === state.activeChatId) {
        const m = state.reads[chatId] ?? {}
        if (seq > (m[userId] ?? 0)) state.reads[chatId] = { ...m, [userId]: seq }
      }
      if (entry && userId === state.user?.id) {
        entry.mentions = readTo(entry.mentions, seq) ?? entry.mentions
        if (seq > entry.readSeq) {
          entry.readSeq = seq
          entry.unread = 0
        }
      }
    }),
    c.on('mention', (e) => {
      const entry = state.chats[e.chat_id]
      if (!entry) return
      const visible = e.chat_id === state.activeChatId && pageVisible()
      entry.mentions = noticed(entry.mentions, e, entry.readSeq, visible) ?? entry.mentions
    }),
    c.on('features', (f) => {
      state.features = { ...f }
    }),
    ...clientHooks.flatMap((hook) => hook(c)),
  ]
  c.start()
  loadChats().catch((e) => (state.error = String(e.message ?? e)))
  loadDirectory().catch(() => {})
  api.searchAvailable().then((ok) => (state.searchAvailable = ok))
}

function applyMembership(chat: ChatSummary, e: MemberEvent) {
  if (!chat.member_ids) return
  const others = chat.member_ids.filter((id) => id !== e.user_id)
  chat.member_ids = e.type === 'member_joined' ? [...others, e.user_id] : others
}

function stopClient() {
  for (const off of offs) off()
  offs = []
  client?.stop()
  client = null
  timelines.clear()
  Object.assign(state, {
    chats: {},
    users: {},
    activeChatId: null,
    outbox: [],
    typing: {},
    presence: {},
    ticks: {},
    loading: {},
    divider: {},
    reads: {},
    everOnline: false,
    connection: 'idle',
  })
  for (const reset of resetHooks) reset()
}

/** Leaves the signed-in view; reason says why when the user did not ask for it. */
function signedOut(reason = '') {
  stopClient()
  api.end()
  state.user = null
  state.workspace = null
  state.signedOutReason = reason
}

export async function logout() {
  stopClient()
  state.user = null
  state.workspace = null
  state.signedOutReason = ''
  await api.logout()
}

/** Ends every session of the user on every device (this one too); throws if the server did not. */
export async function logoutEverywhere() {
  await api.logoutAll()
  signedOut('You signed out on every device.')
}

api.onSignedOut = (reason) => signedOut(`You were signed out: ${reason}.`)

export async function login(email: string, password: string) {
  state.user = await api.login(email, password)
  state.signedOutReason = ''
  start()
}

export async function signup(f: SignupForm) {
  state.user = await api.signup(f)
  state.signedOutReason = ''
  start()
}

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => {
    state.browserOnline = true
    client?.wake()
  })
  window.addEventListener('offline', () => (state.browserOnline = false))
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      client?.wake()
      markActiveRead()
    }
  })
  // test and debugging hooks (the e2e tests read them; they expose nothing the page lacks)
  ;(window as unknown as Record<string, unknown>).__fechatter = {
    state,
    client: () => client,
    timelineIds: (chatId: number) => timeline(chatId).messages.map((m) => m.id),
    inject: (chatId: number, n: number) => {
      const t = timeline(chatId)
      const base = Date.parse('2026-01-01T00:00:00Z')
      const page: Message[] = []
      for (let i = 1; i <= n; i++) {
        page.push({ id: 1e9 + i, chat_id: chatId, seq: i, sender_id: i % 3 === 0 ? (state.user?.id ?? 0) : -1, client_id: '', text: `synthetic message ${i}` + (i % 7 === 0 ? '\nwith a second line' : ''), created_at: new Date(base + i * 61_000).toISOString() })
      }
      t.reset()
      t.merge(page, false, false)
      touch(chatId)
    },
  }
}
