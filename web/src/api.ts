// REST access with the session's tokens: a Bearer header on every call, one silent refresh and
// retry on 401, refresh-token rotation serialised across tabs and callers (a refresh token
// presented twice revokes the whole session). Every REST call of the client goes through here.

import type { Credential } from './protocol/client'
import type { ChannelInfo, Chat, ChatKind, ChatSummary, CreatedInvite, Invite, InvitePreview, Message, ReadPosition, Role, ThreadSummary, User, Workspace } from './protocol/types'

export type NotifyLevel = 'all' | 'mentions' | 'nothing'

/** GET /me/preferences: notification settings and the user's marks on chats (server-kept). */
export interface Preferences {
  notify: NotifyLevel
  sound: boolean
  dnd_until: string | null
  chats: ChatPreference[]
}

export interface ChatPreference {
  chat_id: number
  muted: boolean
  starred: boolean
  notify: NotifyLevel | ''
}

export class ApiError extends Error {
  status: number
  code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

interface TokenResponse {
  access_token: string
  refresh_token: string
  expires_in: number
  user: User
}

export interface Session {
  access: string
  refresh: string
  expiresAt: number // ms since epoch
  user: User
}

/** What signing up needs: a new workspace's name, or an invitation token to join one. */
export type SignupForm = { email: string; password: string; fullname: string } & ({ workspace: string } | { invite: string })

export interface InviteOptions {
  email?: string
  role?: Role
  expiresIn?: number // seconds
}

const storageKey = 'fechatter.session'

function load(): Session | null {
  try {
    const raw = localStorage.getItem(storageKey)
    return raw ? (JSON.parse(raw) as Session) : null
  } catch {
    return null
  }
}

async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = 'Bearer ' + token
  const res = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (res.status === 204) return undefined as T
  const data = await res.json().catch(() => null)
  if (!res.ok) {
    const err = data?.error ?? {}
    throw new ApiError(res.status, err.code ?? 'http_' + res.status, err.message ?? res.statusText)
  }
  return data as T
}

export class Api {
  session: Session | null = load()
  /** Called when the server ends the session (a refresh token that no longer works), with why. */
  onSignedOut: (reason: string) => void = () => {}
  private refreshing: Promise<string | null> | null = null

  private save(t: TokenResponse): void {
    this.session = { access: t.access_token, refresh: t.refresh_token, expiresAt: Date.now() + t.expires_in * 1000, user: t.user }
    localStorage.setItem(storageKey, JSON.stringify(this.session))
  }

  private clear(): void {
    const mine = this.session
    this.session = null
    // another tab may have signed in again meanwhile: only forget the stored session if it is ours
    const stored = load()
    if (!stored || !mine || stored.refresh === mine.refresh) localStorage.removeItem(storageKey)
  }

  /** Forgets the session without telling the server (it ended it already, e.g. close 4003). */
  end(): void {
    this.clear()
  }

  /** Creates an account: in a new workspace, or in the one an invitation leads to. */
  async signup(f: SignupForm): Promise<User> {
    this.save(await call<TokenResponse>('POST', '/auth/signup', f))
    return this.session!.user
  }

  /** What an invitation leads to, before signing up with it. */
  previewInvite(token: string): Promise<InvitePreview> {
    return call<InvitePreview>('POST', '/auth/invite', { invite: token })
  }

  async login(email: string, password: string): Promise<User> {
    this.save(await call<TokenResponse>('POST', '/auth/login', { email, password }))
    return this.session!.user
  }

  /** Ends this session; the bearer token tells the server which session's sockets to close. */
  async logout(): Promise<void> {
    const s = this.session
    this.clear()
    if (s) await call('POST', '/auth/logout', { refresh_token: s.refresh }, s.access).catch(() => {})
  }

  /** Ends every session of the user, on every device. The session is kept if the call fails. */
  async logoutAll(): Promise<void> {
    await this.authed('POST', '/auth/logout-all')
    this.clear()
  }

  /** A valid access token, refreshed first when it is about to expire or when forced.
   * null means signed out. Network failures throw (the session is kept). */
  async token(force = false): Promise<string | null> {
    return (await this.credential(force))?.token ?? null
  }

  /** token() with its expiry, for the socket (which renews it in band before it runs out). */
  async credential(force = false): Promise<Credential | null> {
    const s = this.session
    if (!s) return null
    if (force || s.expiresAt - Date.now() <= 60_000) await this.refresh(s.refresh)
    return this.session ? { token: this.session.access, expiresAt: this.session.expiresAt } : null
  }

  private refresh(used: string): Promise<string | null> {
    if (!this.refreshing) {
      this.refreshing = this.withLock(async () => {
        // another tab may have rotated the token while we waited for the lock
        const stored = load()
        if (stored && stored.refresh !== used) {
          this.session = stored
          return stored.access
        }
        try {
          this.save(await call<TokenResponse>('POST', '/auth/refresh', { refresh_token: used }))
          return this.session!.access
        } catch (e) {
          if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
            this.clear()
            this.onSignedOut(e.message)
            return null
          }
          throw e
        }
      }).finally(() => {
        this.refreshing = null
      })
    }
    return this.refreshing
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks
    return locks ? (locks.request('fechatter-refresh', fn) as Promise<T>) : fn()
  }

  /** An authenticated call; a 401 refreshes the token once and retries. */
  async authed<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.token()
    if (!token) throw new ApiError(401, 'unauthorized', 'signed out')
    try {
      return await call<T>(method, path, body, token)
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e
      const fresh = await this.token(true)
      if (!fresh) throw e
      return call<T>(method, path, body, fresh)
    }
  }

  chats() {
    return this.authed<{ chats: ChatSummary[] }>('GET', '/chats').then((r) => r.chats)
  }
  chat(id: number) {
    return this.authed<Chat>('GET', `/chats/${id}`)
  }
  createChat(kind: ChatKind, name: string, memberIds: number[], isPrivate: boolean) {
    return this.authed<Chat>('POST', '/chats', { kind, name, member_ids: memberIds, private: isPrivate })
  }
  users(q = '', limit = 200) {
    return this.authed<{ users: (User & { online?: boolean })[] }>('GET', `/users?q=${encodeURIComponent(q)}&limit=${limit}`).then((r) => r.users)
  }
  /** A page of a chat's history, or with threadId of that thread's replies (ascending seq). */
  messages(chatId: number, opts: { before?: number; after?: number; limit?: number; threadId?: number } = {}) {
    const p = new URLSearchParams()
    if (opts.threadId !== undefined) p.set('thread_id', String(opts.threadId))
    if (opts.before !== undefined) p.set('before', String(opts.before))
    if (opts.after !== undefined) p.set('after', String(opts.after))
    p.set('limit', String(opts.limit ?? 50))
    return this.authed<{ messages: Message[]; has_more: boolean }>('GET', `/chats/${chatId}/messages?${p}`)
  }
  /** About limit messages centred on seq: it and the ones before, then the ones after. */
  messagesAround(chatId: number, seq: number, limit = 100) {
    return this.authed<{ messages: Message[]; has_more: boolean; has_newer: boolean }>('GET', `/chats/${chatId}/messages?around=${seq}&limit=${limit}`)
  }
  preferences() {
    return this.authed<Preferences>('GET', '/me/preferences')
  }
  updatePreferences(change: Partial<Omit<Preferences, 'chats'>>) {
    return this.authed<Preferences>('PATCH', '/me/preferences', change)
  }
  updateChatPreference(chatId: number, change: Partial<Omit<ChatPreference, 'chat_id'>>) {
    return this.authed<ChatPreference>('PATCH', `/chats/${chatId}/preferences`, change)
  }
  /** The message with this seq in a chat (the first at or after it), e.g. a thread's root as it is now. */
  messageAt(chatId: number, seq: number) {
    return this.messages(chatId, { after: seq - 1, limit: 1 }).then((r) => r.messages[0] as Message | undefined)
  }
  updateChat(chatId: number, change: { name?: string; topic?: string }) {
    return this.authed<Chat>('PATCH', `/chats/${chatId}`, change)
  }
  addMembers(chatId: number, userIds: number[]) {
    return this.authed<{ added: number[]; chat: Chat }>('POST', `/chats/${chatId}/members`, { user_ids: userIds })
  }
  /** Removes a member; with one's own id, leaves the chat. */
  removeMember(chatId: number, userId: number) {
    return this.authed<void>('DELETE', `/chats/${chatId}/members/${userId}`)
  }
  /** Every member's read position in a chat. */
  reads(chatId: number) {
    return this.authed<{ reads: ReadPosition[] }>('GET', `/chats/${chatId}/reads`).then((r) => r.reads)
  }
  /** Public channels of the workspace whose name contains q, each saying whether one is in it. */
  channels(q = '', limit = 100) {
    return this.authed<{ channels: ChannelInfo[] }>('GET', `/channels?q=${encodeURIComponent(q)}&limit=${limit}`).then((r) => r.channels)
  }

  // ---- threads, pins, saved ----

  /** The threads one follows (started, replied in, or followed), latest reply first. */
  myThreads() {
    return this.authed<{ threads: ThreadSummary[] }>('GET', '/me/threads?limit=100').then((r) => r.threads)
  }
  followThread(chatId: number, rootId: number, on: boolean) {
    return this.authed<void>(on ? 'PUT' : 'DELETE', `/chats/${chatId}/threads/${rootId}/follow`)
  }
  readThread(chatId: number, rootId: number, seq: number) {
    return this.authed<void>('POST', `/chats/${chatId}/threads/${rootId}/read`, { seq })
  }
  pins(chatId: number) {
    return this.authed<{ messages: Message[] }>('GET', `/chats/${chatId}/pins`).then((r) => r.messages)
  }
  saved() {
    return this.authed<{ messages: Message[] }>('GET', '/me/saved?limit=200').then((r) => r.messages)
  }
  saveMessage(messageId: number, on: boolean) {
    return this.authed<void>(on ? 'PUT' : 'DELETE', `/me/saved/${messageId}`)
  }
  /** Whether GET /search exists on this server (404 until the search work lands). */
  async searchAvailable(): Promise<boolean> {
    try {
      await this.authed('GET', '/search?q=fechatter&limit=1')
      return true
    } catch (e) {
      return e instanceof ApiError && e.status !== 404 && e.status !== 405 && e.status < 500
    }
  }
  search(q: string) {
    return this.authed<Record<string, unknown>>('GET', `/search?q=${encodeURIComponent(q)}&limit=20`)
  }

  workspace() {
    return this.authed<Workspace>('GET', '/workspace')
  }
  invites() {
    return this.authed<{ invites: Invite[] }>('GET', '/invites').then((r) => r.invites)
  }
  createInvite(o: InviteOptions) {
    return this.authed<CreatedInvite>('POST', '/invites', { email: o.email || undefined, role: o.role, expires_in: o.expiresIn })
  }
  revokeInvite(id: number) {
    return this.authed<void>('DELETE', `/invites/${id}`)
  }
}
