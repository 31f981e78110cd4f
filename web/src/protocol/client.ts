// The Fechatter socket client: one WebSocket, authenticated by a first `auth` frame that
// carries the resume map, reconnected with jittered exponential backoff, with per-chat seq
// bookkeeping (so every timeline event is delivered once and in order) and an outbox of sends
// keyed by client_id (so a retried send never makes a second message). The access token is
// renewed in band before it expires; a 4001 close refreshes it and reconnects, a 4003 close
// (access revoked) ends the session. It knows nothing of Vue or the DOM; inject the socket
// constructor, the clock's random and the token source.

import { delay, defaultBackoff, type BackoffOptions } from './backoff'
import { Emitter } from './emitter'
import { chatOf, CloseCode, type Chat, type ClientFrame, type MentionEvent, type Message, type ReadyChat, type Ref, type ServerEvent, type TimelineEvent, type User } from './types'

/** The part of the browser WebSocket the client uses. */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export type SocketFactory = (url: string) => SocketLike

/** An access token and when it expires (ms since the epoch, by the local clock). */
export interface Credential {
  token: string
  expiresAt: number
}

/** Returns an access token, a newly refreshed one when `refresh` is set; null means signed out.
 * The source must serialise refreshes: a refresh token presented twice revokes the session. */
export type TokenSource = (refresh: boolean) => Promise<Credential | null>

export interface ClientOptions {
  url: string
  token: TokenSource
  socket?: SocketFactory
  backoff?: BackoffOptions
  random?: () => number
  /** A send not acknowledged this long after it went out is marked failed (retry keeps its client_id). */
  ackTimeoutMs?: number
  /** A ping goes out this often; a socket silent for two intervals is treated as dead. */
  heartbeatMs?: number
  /** The token is renewed in band this long before it expires (at most a fifth of its life). */
  renewBeforeMs?: number
  newClientId?: () => string
}

export type ConnectionState =
  | 'idle' // not started
  | 'connecting' // socket opening or auth frame sent, no ready yet
  | 'online' // ready received
  | 'waiting' // disconnected, a reconnect is scheduled
  | 'closed' // stopped (signed out, access revoked, or stop() called)

export type OutgoingStatus = 'queued' | 'sending' | 'failed'

/** A send waiting for its ack. */
export interface Outgoing {
  clientId: string
  chatId: number
  /** The thread root it replies in. */
  threadId?: number
  text: string
  /** Uploaded files it attaches. */
  fileIds?: number[]
  status: OutgoingStatus
  createdAt: string
  attempts: number
  error?: { code: string; message: string }
}

/** What the server turned out to support; null until known. Typing and read frames are
 * probed on first use (an `error` reply before the `pong` of a following ping means no);
 * presence becomes true at the first presence event. */
export interface Features {
  typing: boolean | null
  read: boolean | null
  presence: boolean
}

export class ProtocolError extends Error {
  code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

type Events = {
  state: [state: ConnectionState, info: { attempt?: number; retryInMs?: number; closeCode?: number }]
  ready: [user: User, chats: ReadyChat[]]
  timeline: [event: TimelineEvent]
  sent: [clientId: string, message: Message]
  outbox: [items: Outgoing[]]
  chat_joined: [chat: Chat]
  chat_left: [chatId: number]
  resync: [chatId: number]
  typing: [chatId: number, userId: number]
  /** The whole text so far of a streaming assistant answer (ephemeral, never replayed). */
  stream: [chatId: number, messageId: number, text: string]
  presence: [userId: number, online: boolean]
  read: [chatId: number, userId: number, seq: number]
  /** The user was mentioned in a message (a notice, not part of the timeline). */
  mention: [event: MentionEvent]
  /** An event of a type this client does not know (a newer server); it was ignored. */
  unknown: [type: string]
  features: [features: Features]
  error: [code: string, message: string]
  /** The server revoked access (close 4003): the client stopped and will not reconnect. */
  signed_out: [reason: string]
}

type RequestFrame = Extract<ClientFrame, { type: 'edit' | 'delete' | 'react' | 'unreact' | 'pin' | 'unpin' }>

interface PendingRequest {
  frame: RequestFrame
  attempts: number
  resolve: (m: Message) => void
  reject: (e: ProtocolError) => void
  timer?: ReturnType<typeof setTimeout> // the ack timeout of the frame in flight
}

const OPEN = 1
const typingEveryMs = 3000
const renewRetryMs = 10_000

/** Splits one WebSocket frame into its events (the server batches them, one per line). */
export function parseFrame(data: string): ServerEvent[] {
  const out: ServerEvent[] = []
  for (const line of data.split('\n')) {
    if (!line.trim()) continue
    try {
      const v = JSON.parse(line)
      if (v && typeof v.type === 'string') out.push(v as ServerEvent)
    } catch {
      // a line that is not JSON is skipped; the rest of the frame still counts
    }
  }
  return out
}

function defaultClientId(): string {
  return crypto.randomUUID()
}

/** Sends (and edits, deletes, reactions, pins) refused for overload or rate are sent again by
 * themselves this many times before they show as failed (the user can still retry them). */
const maxAutoRetries = 5

export class ChatClient extends Emitter<Events> {
  readonly features: Features = { typing: null, read: null, presence: false }
  user: User | null = null

  private opts: Required<Omit<ClientOptions, 'socket'>> & { socket: SocketFactory }
  private ws: SocketLike | null = null
  private _state: ConnectionState = 'idle'
  private attempt = 0
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private heartbeat: ReturnType<typeof setInterval> | null = null
  private heard = true
  private refreshNext = false
  private credential: Credential | null = null
  private renewTimer: ReturnType<typeof setTimeout> | null = null
  private renewRef: string | null = null
  private lastSeq = new Map<number, number>()
  private outbox = new Map<string, Outgoing>()
  private ackTimers = new Map<string, ReturnType<typeof setTimeout>>()
  private requests = new Map<string, PendingRequest>()
  private probes = new Map<string, keyof Pick<Features, 'typing' | 'read'>>()
  private lastTyping = new Map<number, number>()
  private nextRef = 1

  constructor(opts: ClientOptions) {
    super()
    this.opts = {
      socket: opts.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike),
      backoff: opts.backoff ?? defaultBackoff,
      random: opts.random ?? Math.random,
      ackTimeoutMs: opts.ackTimeoutMs ?? 10_000,
      heartbeatMs: opts.heartbeatMs ?? 20_000,
      renewBeforeMs: opts.renewBeforeMs ?? 60_000,
      newClientId: opts.newClientId ?? defaultClientId,
      url: opts.url,
      token: opts.token,
    }
  }

  get state(): ConnectionState {
    return this._state
  }

  /** The last seq seen per chat: what a resume asks the server to continue from. */
  positions(): Record<string, number> {
    return Object.fromEntries(this.lastSeq)
  }

  lastSeqOf(chatId: number): number | undefined {
    return this.lastSeq.get(chatId)
  }

  /** Outgoing messages not yet acknowledged, oldest first. */
  pending(): Outgoing[] {
    return [...this.outbox.values()]
  }

  start(): void {
    if (this._state !== 'idle' && this._state !== 'closed') return
    this.connect()
  }

  /** Closes the socket for good (sign-out). Pending sends stay in the outbox. */
  stop(): void {
    this.clearRetry()
    this.setState('closed', {})
    this.teardown(CloseCode.Normal, 'bye')
  }

  /** Reconnects now if a reconnect is scheduled (the browser came back online, the tab woke). */
  wake(): void {
    if (this._state === 'waiting') {
      this.clearRetry()
      this.connect()
    }
  }

  /** Drops the current socket as if the network had, and reconnects with backoff. */
  drop(): void {
    if (this.ws) this.onClosed(this.ws, 1006)
  }

  // ---- sending ----

  /** Queues a message (a reply when threadId, the thread's root, is given); it goes out now
   * if online, else at the next ready. */
  send(chatId: number, text: string, threadId?: number, fileIds?: number[]): Outgoing {
    const item: Outgoing = {
      clientId: this.opts.newClientId(),
      chatId,
      ...(threadId ? { threadId } : {}),
      ...(fileIds?.length ? { fileIds } : {}),
      text,
      status: 'queued',
      createdAt: new Date().toISOString(),
      attempts: 0,
    }
    this.outbox.set(item.clientId, item)
    this.flushOne(item)
    this.emitOutbox()
    return item
  }

  /** Sends a failed message again with the same client_id: the server stores it at most once. */
  retry(clientId: string): void {
    const item = this.outbox.get(clientId)
    if (!item || item.status === 'sending') return
    item.status = 'queued'
    item.error = undefined
    this.flushOne(item)
    this.emitOutbox()
  }

  /** Forgets an unacknowledged message (the user gave up on it). */
  discard(clientId: string): void {
    this.clearAckTimer(clientId)
    if (this.outbox.delete(clientId)) this.emitOutbox()
  }

  edit(chatId: number, messageId: number, text: string): Promise<Message> {
    return this.request({ type: 'edit', chat_id: chatId, message_id: messageId, text })
  }

  remove(chatId: number, messageId: number): Promise<Message> {
    return this.request({ type: 'delete', chat_id: chatId, message_id: messageId })
  }

  /** Adds (or removes) the user's emoji on a message; resolves with the message as it is now. */
  react(chatId: number, messageId: number, emoji: string, add: boolean): Promise<Message> {
    return this.request({ type: add ? 'react' : 'unreact', chat_id: chatId, message_id: messageId, emoji })
  }

  /** Pins (or unpins) a message; resolves with the message as it is now. */
  pin(chatId: number, messageId: number, on: boolean): Promise<Message> {
    return this.request({ type: on ? 'pin' : 'unpin', chat_id: chatId, message_id: messageId })
  }

  /** Says the user is typing in chatId; at most once per 3 s per chat, and never once the
   * server has said it does not know the frame. */
  typing(chatId: number, now = Date.now()): void {
    if (this.features.typing === false || this._state !== 'online') return
    const last = this.lastTyping.get(chatId) ?? -Infinity
    if (now - last < typingEveryMs) return
    this.lastTyping.set(chatId, now)
    this.probe('typing', { type: 'typing', chat_id: chatId })
  }

  /** Marks chatId read up to seq, when the server supports read markers. */
  markRead(chatId: number, seq: number): void {
    if (this.features.read === false || this._state !== 'online' || seq <= 0) return
    this.probe('read', { type: 'read', chat_id: chatId, seq })
  }

  /** Sets where a chat's timeline continues from, e.g. after paging history over REST
   * following a resync. Positions only move forward. */
  advance(chatId: number, seq: number): void {
    if (seq > (this.lastSeq.get(chatId) ?? -1)) this.lastSeq.set(chatId, seq)
  }

  // ---- connection ----

  private connect(): void {
    this.setState('connecting', { attempt: this.attempt })
    const refresh = this.refreshNext
    this.refreshNext = false
    this.opts.token(refresh).then(
      (cred) => {
        if (this._state !== 'connecting') return
        if (!cred) {
          this.setState('closed', {})
          return
        }
        this.credential = cred
        this.open(cred.token)
      },
      () => {
        if (this._state === 'connecting') this.scheduleRetry(undefined)
      },
    )
  }

  private open(token: string): void {
    let ws: SocketLike
    try {
      ws = this.opts.socket(this.opts.url)
    } catch {
      this.scheduleRetry(undefined)
      return
    }
    this.ws = ws
    ws.onopen = () => {
      if (this.ws !== ws) return
      const frame: ClientFrame = { type: 'auth', token }
      if (this.lastSeq.size > 0) frame.resume = this.positions()
      ws.send(JSON.stringify(frame))
    }
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return
      this.heard = true
      if (typeof ev.data !== 'string') return
      for (const e of parseFrame(ev.data)) this.dispatch(e)
    }
    ws.onclose = (ev) => this.onClosed(ws, ev.code, ev.reason)
    ws.onerror = () => {
      // onclose follows and decides
    }
  }

  private onClosed(ws: SocketLike, code: number, reason = ''): void {
    if (this.ws !== ws) return
    this.teardown(1000, 'reconnecting')
    if (this._state === 'closed') return
    if (code === CloseCode.Revoked) {
      // the same credentials would be refused again: stop, and let the app sign out
      this.clearRetry()
      this.credential = null
      this.setState('closed', { closeCode: code })
      this.emit('signed_out', reason || 'access revoked')
      return
    }
    if (code === CloseCode.Unauthorized) this.refreshNext = true
    this.scheduleRetry(code)
  }

  private teardown(code: number, reason: string): void {
    const ws = this.ws
    this.ws = null
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = null
    this.clearRenew()
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = null
      ws.onclose = null
      try {
        ws.close(code, reason)
      } catch {
        // already closing
      }
    }
    // in-flight sends go back to the queue: they are resent with the same client_id
    for (const item of this.outbox.values()) {
      if (item.status === 'sending') {
        item.status = 'queued'
        this.clearAckTimer(item.clientId)
      }
    }
    for (const [ref, req] of this.requests) {
      clearTimeout(req.timer)
      req.reject(new ProtocolError('offline', 'the connection dropped before the server answered'))
      this.requests.delete(ref)
    }
    this.probes.clear()
    this.emitOutbox()
  }

  private scheduleRetry(closeCode: number | undefined): void {
    // a 4001 right after a refresh is retried at once; anything else waits
    const wait = this.refreshNext && this.attempt === 0 ? 0 : delay(this.attempt, this.opts.backoff, this.opts.random)
    this.attempt++
    this.setState('waiting', { attempt: this.attempt, retryInMs: wait, closeCode })
    this.clearRetry()
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connect()
    }, wait)
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  private setState(state: ConnectionState, info: Events['state'][1]): void {
    this._state = state
    this.emit('state', state, { ...info, attempt: info.attempt ?? this.attempt })
  }

  private startHeartbeat(): void {
    this.heard = true
    this.heartbeat = setInterval(() => {
      if (!this.heard) {
        this.drop()
        return
      }
      this.heard = false
      this.write({ type: 'ping', ref: 'hb' })
    }, this.opts.heartbeatMs)
  }

  private write(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== OPEN) return false
    this.ws.send(JSON.stringify(frame))
    return true
  }

  // ---- token renewal in band ----

  /** Arms the renewal of the connection's token: renewBeforeMs before it expires, or at 80%
   * of what is left when that is shorter. Without it the server closes the socket with 4001. */
  private scheduleRenew(afterMs?: number): void {
    this.clearRenew()
    const cred = this.credential
    if (!cred) return
    const left = cred.expiresAt - Date.now()
    const wait = afterMs ?? left - Math.min(this.opts.renewBeforeMs, left / 5)
    if (wait >= left) return // too late to renew in band: the 4001 close refreshes and reconnects
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null
      this.renew()
    }, Math.max(0, wait))
  }

  private clearRenew(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer)
    this.renewTimer = null
    this.renewRef = null
  }

  private renew(): void {
    const ws = this.ws
    this.opts.token(true).then(
      (cred) => {
        if (this.ws !== ws || this._state !== 'online') return
        if (!cred) {
          this.stop()
          return
        }
        this.credential = cred
        this.renewRef = 'a:' + this.nextRef++
        if (!this.write({ type: 'auth', ref: this.renewRef, token: cred.token })) this.renewRef = null
      },
      () => {
        // the refresh failed (network): try again while the current token lasts
        if (this.ws === ws && this._state === 'online') this.scheduleRenew(renewRetryMs)
      },
    )
  }

  // ---- incoming ----

  private dispatch(e: ServerEvent): void {
    switch (e.type) {
      case 'ready':
        this.user = e.user
        for (const c of e.chats) if (!this.lastSeq.has(c.id)) this.lastSeq.set(c.id, c.last_seq)
        this.attempt = 0
        this.setState('online', { attempt: 0 })
        this.startHeartbeat()
        this.scheduleRenew()
        this.emit('ready', e.user, e.chats)
        for (const item of this.outbox.values()) this.flushOne(item)
        this.emitOutbox()
        return
      case 'message':
      case 'message_edited':
      case 'message_deleted':
      case 'member_joined':
      case 'member_left':
      case 'reaction':
      case 'pinned':
        this.onTimeline(e)
        return
      case 'mention':
        this.emit('mention', e)
        return
      case 'authenticated':
        if (e.ref !== undefined && e.ref === this.renewRef) this.scheduleRenew()
        return
      case 'ack':
        this.onAck(e.ref, e.message)
        return
      case 'error':
        this.onError(e.ref, e.code, e.message, e.retry_after_ms)
        return
      case 'pong':
        this.onPong(e.ref)
        return
      case 'chat_joined':
        this.advance(e.chat.id, e.chat.last_seq)
        this.emit('chat_joined', e.chat)
        return
      case 'chat_left':
        this.lastSeq.delete(e.chat_id)
        this.emit('chat_left', e.chat_id)
        return
      case 'resync':
        this.emit('resync', e.chat_id)
        return
      case 'typing':
        this.emit('typing', e.chat_id, e.user_id)
        return
      case 'stream':
        this.emit('stream', e.chat_id, e.message_id, e.text)
        return
      case 'presence':
        if (!this.features.presence) {
          this.features.presence = true
          this.emit('features', this.features)
        }
        this.emit('presence', e.user_id, e.online)
        return
      case 'read':
        this.emit('read', e.chat_id, e.user_id, e.seq)
        return
      default:
        this.emit('unknown', (e as { type: string }).type)
    }
  }

  private onTimeline(e: TimelineEvent): void {
    const chatId = chatOf(e)
    const last = this.lastSeq.get(chatId) ?? 0
    if (e.seq <= last) return // already seen: a replay overlapping what we had
    this.lastSeq.set(chatId, e.seq)
    if (e.type === 'message' && this.user && e.message.sender_id === this.user.id) {
      this.settle(e.message.client_id, e.message)
    }
    this.emit('timeline', e)
    if (e.type === 'member_left' && e.user_id === this.user?.id) {
      // our own removal: nothing more of this chat comes (a chat_left may follow as well)
      this.lastSeq.delete(chatId)
      this.emit('chat_left', chatId)
    }
  }

  private onAck(ref: Ref | undefined, message: Message): void {
    if (typeof ref !== 'string') return
    if (ref.startsWith('s:')) {
      this.settle(ref.slice(2), message)
      return
    }
    const req = this.requests.get(ref)
    if (req) {
      this.requests.delete(ref)
      clearTimeout(req.timer)
      req.resolve(message)
    }
  }

  /** Reconciles an outgoing message with the stored one (from its ack or its own event). */
  private settle(clientId: string, message: Message): void {
    if (!this.outbox.has(clientId)) return
    this.clearAckTimer(clientId)
    this.outbox.delete(clientId)
    this.emit('sent', clientId, message)
    this.emitOutbox()
  }

  private onError(ref: Ref | undefined, code: string, message: string, retryAfterMs?: number): void {
    if (typeof ref === 'string') {
      if (ref === this.renewRef) {
        // the fresh token was refused: try again while the current one lasts; if it runs
        // out, the server closes with 4001 and the reconnect refreshes
        this.scheduleRenew(code === 'unavailable' ? 1000 : renewRetryMs)
        return
      }
      if (ref.startsWith('s:')) {
        const item = this.outbox.get(ref.slice(2))
        if (item) {
          this.clearAckTimer(item.clientId)
          if (retryAfterMs && retryAfterMs > 0 && item.attempts <= maxAutoRetries && (code === 'overloaded' || code === 'rate_limited')) {
            this.retryLater(item, retryAfterMs)
            return
          }
          item.status = 'failed'
          item.error = { code, message }
          this.emitOutbox()
        }
        return
      }
      const feature = this.probes.get(ref)
      if (feature) {
        this.probes.delete(ref)
        this.probes.delete('p:' + ref)
        // invalid_input is how the server answers a frame type it does not know; anything
        // else (rate_limited, forbidden) says nothing about support, so ask again next time
        if (code === 'invalid_input') this.setFeature(feature, false)
        return
      }
      const req = this.requests.get(ref)
      if (req) {
        this.requests.delete(ref)
        clearTimeout(req.timer)
        if (retryAfterMs && retryAfterMs > 0 && req.attempts <= maxAutoRetries && (code === 'overloaded' || code === 'rate_limited')) {
          // refused for now: the same change again after the hint plus jitter, as a send is
          const wait = Math.round(retryAfterMs * (1 + this.opts.random()))
          setTimeout(() => this.writeRequest(req), wait)
          return
        }
        req.reject(new ProtocolError(code, message))
        return
      }
    }
    this.emit('error', code, message)
  }

  private onPong(ref: Ref | undefined): void {
    if (typeof ref !== 'string') return
    const feature = this.probes.get(ref)
    if (feature) {
      // the frame before this ping got no error: the server handles it
      this.probes.delete(ref)
      this.probes.delete(ref.slice(2))
      this.setFeature(feature, true)
    }
  }

  private setFeature(feature: 'typing' | 'read', value: boolean): void {
    if (this.features[feature] === value) return
    this.features[feature] = value
    this.emit('features', this.features)
  }

  // ---- helpers ----

  private flushOne(item: Outgoing): void {
    if (item.status !== 'queued' || this._state !== 'online') return
    const frame: Extract<ClientFrame, { type: 'send' }> = { type: 'send', ref: 's:' + item.clientId, chat_id: item.chatId, client_id: item.clientId, text: item.text }
    if (item.fileIds) frame.file_ids = item.fileIds
    if (item.threadId) frame.thread_id = item.threadId
    const sent = this.write(frame)
    if (!sent) return
    item.status = 'sending'
    item.attempts++
    this.clearAckTimer(item.clientId)
    this.ackTimers.set(
      item.clientId,
      setTimeout(() => {
        this.ackTimers.delete(item.clientId)
        if (item.status !== 'sending') return
        item.status = 'failed'
        item.error = { code: 'timeout', message: 'no answer from the server' }
        this.emitOutbox()
      }, this.opts.ackTimeoutMs),
    )
  }

  /** A send the server refused for now (overloaded, rate_limited) goes out again, same
   * client_id, after the server's hint plus up to as much again of jitter, so that a crowd
   * refused together does not come back together. It stays 'queued' meanwhile. */
  private retryLater(item: Outgoing, retryAfterMs: number): void {
    item.status = 'queued'
    const wait = Math.round(retryAfterMs * (1 + this.opts.random()))
    this.ackTimers.set(
      item.clientId,
      setTimeout(() => {
        this.ackTimers.delete(item.clientId)
        this.flushOne(item)
      }, wait),
    )
    this.emitOutbox()
  }

  private clearAckTimer(clientId: string): void {
    const t = this.ackTimers.get(clientId)
    if (t) clearTimeout(t)
    this.ackTimers.delete(clientId)
  }

  private request(frame: RequestFrame): Promise<Message> {
    return new Promise((resolve, reject) => {
      this.writeRequest({ frame, attempts: 0, resolve, reject })
    })
  }

  /** Writes a request's frame under a fresh ref and waits for its answer (or rejects at once
   * when offline). A request refused for now comes back here after its wait. */
  private writeRequest(req: PendingRequest): void {
    const ref = 'r:' + this.nextRef++
    if (this._state !== 'online' || !this.write({ ...req.frame, ref })) {
      req.reject(new ProtocolError('offline', 'not connected'))
      return
    }
    req.attempts++
    req.timer = setTimeout(() => {
      this.requests.delete(ref)
      req.reject(new ProtocolError('timeout', 'no answer from the server'))
    }, this.opts.ackTimeoutMs)
    this.requests.set(ref, req)
  }

  /** Sends a frame whose support is unknown, followed by a ping: an error for the frame
   * before the pong means unsupported, the pong alone means supported. */
  private probe(feature: 'typing' | 'read', frame: Extract<ClientFrame, { type: 'typing' | 'read' }>): void {
    if (this.features[feature] !== null) {
      this.write(frame)
      return
    }
    const ref = feature[0] + ':' + this.nextRef++
    if (!this.write({ ...frame, ref })) return
    this.probes.set(ref, feature)
    this.probes.set('p:' + ref, feature)
    this.write({ type: 'ping', ref: 'p:' + ref })
  }

  private emitOutbox(): void {
    this.emit('outbox', this.pending())
  }
}
