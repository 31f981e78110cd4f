import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { delay } from './backoff'
import { ChatClient, parseFrame, type Credential, type SocketLike } from './client'
import type { ClientFrame, Message, ServerEvent, TimelineEvent } from './types'

/** A scripted WebSocket: the test plays the server. */
class FakeSocket implements SocketLike {
  readyState = 0
  sent: ClientFrame[] = []
  closed: { code?: number } | null = null
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  url: string
  /** Answers pings like a live server, so a long test does not look like a dead socket. */
  autoPong = false
  constructor(url: string) {
    this.url = url
  }
  send(data: string) {
    const f = JSON.parse(data) as ClientFrame
    this.sent.push(f)
    if (this.autoPong && f.type === 'ping') queueMicrotask(() => this.push({ type: 'pong', ref: f.ref }))
  }
  close(code?: number) {
    this.closed = { code }
    this.readyState = 3
  }
  // server side
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  push(...events: ServerEvent[]) {
    this.onmessage?.({ data: events.map((e) => JSON.stringify(e)).join('\n') })
  }
  serverClose(code: number, reason = '') {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }
  frames<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((f) => f.type === type) as Extract<ClientFrame, { type: T }>[]
  }
}

const me = { id: 1, workspace_id: 1, email: 'a@x.io', fullname: 'Ann', role: 'member' as const, created_at: '' }

function msg(id: number, seq: number, over: Partial<Message> = {}): Message {
  return { id, chat_id: 7, seq, sender_id: 2, client_id: `c-${id}`, text: `m${id}`, created_at: '2026-01-01T00:00:00Z', ...over }
}

const tokenLifeMs = 15 * 60_000

/** A token source like the app's: 'tok' at first, 'fresh-1', 'fresh-2'… after each refresh,
 * each valid for 15 minutes from when it is handed out. */
function tokens() {
  let refreshes = 0
  let current = 'tok'
  return async (refresh: boolean): Promise<Credential | null> => {
    if (refresh) current = 'fresh-' + ++refreshes
    return { token: current, expiresAt: Date.now() + tokenLifeMs }
  }
}

function setup(opts: { token?: (refresh: boolean) => Promise<Credential | null> } = {}) {
  const sockets: FakeSocket[] = []
  let n = 0
  const token = vi.fn(opts.token ?? tokens())
  const client = new ChatClient({
    url: 'ws://test/ws',
    token,
    socket: (url) => {
      const s = new FakeSocket(url)
      sockets.push(s)
      return s
    },
    random: () => 0.5,
    ackTimeoutMs: 5000,
    heartbeatMs: 20_000,
    newClientId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  })
  const timeline: TimelineEvent[] = []
  client.on('timeline', (e) => timeline.push(e))
  const last = () => sockets[sockets.length - 1]
  /** Lets the token promise settle and opens + readies the newest socket. */
  async function connect(chats = [{ id: 7, last_seq: 10 }]) {
    await vi.advanceTimersByTimeAsync(0)
    const s = last()
    s.open()
    s.push({ type: 'ready', user: me, chats })
    return s
  }
  return { client, sockets, token, timeline, last, connect }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('parseFrame', () => {
  it('splits batched events on newlines and skips junk', () => {
    const evs = parseFrame('{"type":"pong","ref":1}\n\n{"type":"pong","ref":2}\nnot json\n')
    expect(evs.map((e) => e.type === 'pong' && e.ref)).toEqual([1, 2])
  })
})

describe('backoff', () => {
  it('grows exponentially, caps, and jitters within half a step', () => {
    const opts = { baseMs: 500, maxMs: 8000, factor: 2 }
    expect(delay(0, opts, () => 0)).toBe(250)
    expect(delay(0, opts, () => 1)).toBe(500)
    expect(delay(3, opts, () => 0.5)).toBe(3000)
    expect(delay(10, opts, () => 1)).toBe(8000)
    expect(delay(10, opts, () => 0)).toBe(4000)
  })
})

describe('ChatClient connection', () => {
  it('authenticates with the first frame and takes positions from ready', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect([{ id: 7, last_seq: 10 }, { id: 9, last_seq: 0 }])
    expect(s.sent[0]).toEqual({ type: 'auth', token: 'tok' })
    expect(client.state).toBe('online')
    expect(client.positions()).toEqual({ 7: 10, 9: 0 })
  })

  it('reconnects with jittered exponential backoff and resumes from the last seq', async () => {
    const { client, sockets, connect } = setup()
    const states: [string, number | undefined][] = []
    client.on('state', (st, info) => states.push([st, info.retryInMs]))
    client.start()
    const s1 = await connect()
    s1.push({ type: 'message', seq: 11, message: msg(100, 11) }, { type: 'message', seq: 12, message: msg(101, 12) })

    s1.serverClose(1006)
    expect(client.state).toBe('waiting')
    expect(states.at(-1)).toEqual(['waiting', 375]) // attempt 0: 500/2 + 0.5*250
    await vi.advanceTimersByTimeAsync(374)
    expect(sockets).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sockets).toHaveLength(2)
    // the second attempt fails before ready: the wait doubles
    sockets[1].serverClose(1006)
    expect(states.at(-1)).toEqual(['waiting', 750])
    await vi.advanceTimersByTimeAsync(750)
    const s3 = await connect()
    expect(s3.sent[0]).toEqual({ type: 'auth', token: 'tok', resume: { 7: 12 } })
    // a successful ready resets the backoff
    s3.serverClose(1012)
    expect(states.at(-1)).toEqual(['waiting', 375])
  })

  it('refreshes the token after a 4001 close, then reconnects at once and resumes', async () => {
    const { client, token, sockets, connect } = setup()
    client.start()
    const s1 = await connect()
    s1.push({ type: 'message', seq: 11, message: msg(100, 11) })
    s1.serverClose(4001, 'token expired')
    expect(client.state).toBe('waiting')
    const s2 = await connect() // no backoff wait: the first retry after a 4001 is immediate
    expect(token.mock.calls.map((c) => c[0])).toEqual([false, true])
    expect(sockets).toHaveLength(2)
    expect(s2.sent[0]).toEqual({ type: 'auth', token: 'fresh-1', resume: { 7: 11 } })
    expect(client.state).toBe('online')
  })

  it('stops for good on a 4003 close and says why', async () => {
    const { client, sockets, token, connect } = setup()
    const reasons: string[] = []
    client.on('signed_out', (r) => reasons.push(r))
    client.start()
    const s1 = await connect()
    s1.serverClose(4003, 'account disabled')
    expect(client.state).toBe('closed')
    expect(reasons).toEqual(['account disabled'])
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(sockets).toHaveLength(1)
    expect(token).toHaveBeenCalledTimes(1)
    client.wake() // a browser coming back online does not revive it either
    await vi.advanceTimersByTimeAsync(1000)
    expect(sockets).toHaveLength(1)
  })

  it('renews the token in band before it expires, on the same socket', async () => {
    const { client, sockets, token, connect } = setup()
    client.start()
    const s = await connect()
    s.autoPong = true
    // the first token lives 15 minutes: renewed one minute before, not earlier
    await vi.advanceTimersByTimeAsync(tokenLifeMs - 60_000 - 1)
    expect(s.frames('auth')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(token).toHaveBeenLastCalledWith(true)
    const renew = s.frames('auth')[1]
    expect(renew).toMatchObject({ type: 'auth', token: 'fresh-1' })
    expect(renew.ref).toBeDefined()
    expect(renew.resume).toBeUndefined()
    s.push({ type: 'authenticated', ref: renew.ref, expires_at: new Date(Date.now() + tokenLifeMs).toISOString() })
    // and again before the new token runs out
    await vi.advanceTimersByTimeAsync(tokenLifeMs - 60_000)
    expect(s.frames('auth').map((f) => f.token)).toEqual(['tok', 'fresh-1', 'fresh-2'])
    expect(sockets).toHaveLength(1)
    expect(client.state).toBe('online')
  })

  it('renews a short-lived token at 80% of its life, and retries a refused renewal', async () => {
    let n = 0
    const { client, connect } = setup({ token: async () => ({ token: 't' + n++, expiresAt: Date.now() + 100_000 }) })
    client.start()
    const s = await connect()
    s.autoPong = true
    await vi.advanceTimersByTimeAsync(79_999)
    expect(s.frames('auth')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    const renew = s.frames('auth')[1]
    expect(renew.token).toBe('t1')
    s.push({ type: 'error', ref: renew.ref, code: 'unavailable', message: 'storage is unavailable; retry' })
    await vi.advanceTimersByTimeAsync(1000)
    expect(s.frames('auth').map((f) => f.token)).toEqual(['t0', 't1', 't2'])
  })

  it('does not renew on a socket that has gone away', async () => {
    let release: (c: Credential) => void = () => {}
    const { client, sockets, connect } = setup({
      token: (refresh) =>
        refresh ? new Promise<Credential>((ok) => (release = ok)) : Promise.resolve({ token: 'tok', expiresAt: Date.now() + tokenLifeMs }),
    })
    client.start()
    const s1 = await connect()
    s1.autoPong = true
    await vi.advanceTimersByTimeAsync(tokenLifeMs - 60_000) // renewal starts; its refresh hangs
    s1.serverClose(1006)
    release({ token: 'late', expiresAt: Date.now() + tokenLifeMs })
    await vi.advanceTimersByTimeAsync(0)
    expect(s1.frames('auth')).toHaveLength(1)
    await vi.runOnlyPendingTimersAsync()
    expect(sockets).toHaveLength(2)
  })

  it('stops when the token source says signed out', async () => {
    const { client, sockets } = setup({ token: async () => null })
    client.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(client.state).toBe('closed')
    expect(sockets).toHaveLength(0)
  })

  it('treats a silent socket as dead', async () => {
    const { client, sockets, connect } = setup()
    client.start()
    const s1 = await connect()
    await vi.advanceTimersByTimeAsync(20_000)
    expect(s1.frames('ping')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(20_000) // no pong, no events
    expect(client.state).toBe('waiting')
    expect(s1.closed).not.toBeNull()
    await vi.runOnlyPendingTimersAsync()
    expect(sockets).toHaveLength(2)
  })
})

describe('ChatClient timeline bookkeeping', () => {
  it('drops events it has already seen (overlapping replay) and tracks per-chat seq', async () => {
    const { client, timeline, connect } = setup()
    client.start()
    const s = await connect([{ id: 7, last_seq: 10 }, { id: 8, last_seq: 3 }])
    s.push(
      { type: 'message', seq: 11, message: msg(100, 11) },
      { type: 'message', seq: 11, message: msg(100, 11) },
      { type: 'message', seq: 4, message: msg(200, 4, { chat_id: 8 }) },
      { type: 'message_edited', seq: 12, message: msg(100, 11, { text: 'edited', edited_at: 'now' }) },
      { type: 'message_deleted', seq: 10, chat_id: 7, message_id: 99 },
      { type: 'message_deleted', seq: 13, chat_id: 7, message_id: 100 },
    )
    expect(timeline.map((e) => `${e.type}:${e.seq}`)).toEqual(['message:11', 'message:4', 'message_edited:12', 'message_deleted:13'])
    expect(client.positions()).toEqual({ 7: 13, 8: 4 })
  })

  it('counts membership events in the seq and does not ask for them again on resume', async () => {
    const { client, timeline, sockets, connect } = setup()
    client.start()
    const s1 = await connect()
    s1.push(
      { type: 'member_joined', seq: 11, chat_id: 7, user_id: 3, actor_id: 2, created_at: '2026-12-01T09:30:00Z' },
      { type: 'message', seq: 12, message: msg(100, 12) },
      { type: 'member_left', seq: 13, chat_id: 7, user_id: 3, actor_id: 3, created_at: '2026-12-01T09:30:00Z' },
    )
    expect(timeline.map((e) => e.type)).toEqual(['member_joined', 'message', 'member_left'])
    expect(client.lastSeqOf(7)).toBe(13)
    s1.serverClose(1006)
    await vi.runOnlyPendingTimersAsync()
    const s2 = await connect()
    expect(sockets).toHaveLength(2)
    expect(s2.sent[0]).toEqual({ type: 'auth', token: 'tok', resume: { 7: 13 } })
    // the server's replay overlapping what we have is dropped
    s2.push({ type: 'member_left', seq: 13, chat_id: 7, user_id: 3, actor_id: 3, created_at: '2026-12-01T09:30:00Z' }, { type: 'member_joined', seq: 14, chat_id: 7, user_id: 4, actor_id: 2, created_at: '2026-12-01T09:30:00Z' })
    expect(timeline.map((e) => e.seq)).toEqual([11, 12, 13, 14])
  })

  it('leaves a chat at its own member_left', async () => {
    const { client, connect } = setup()
    const left: number[] = []
    client.on('chat_left', (id) => left.push(id))
    client.start()
    const s = await connect([{ id: 7, last_seq: 10 }, { id: 8, last_seq: 2 }])
    s.push({ type: 'member_left', seq: 11, chat_id: 7, user_id: me.id, actor_id: 2, created_at: '2026-12-01T09:30:00Z' })
    expect(left).toEqual([7])
    expect(client.positions()).toEqual({ 8: 2 })
  })

  it('advances the seq on reaction and pinned events, drops replayed ones, resumes after them', async () => {
    const { client, timeline, sockets, connect } = setup()
    client.start()
    const s1 = await connect()
    s1.push(
      { type: 'reaction', seq: 11, chat_id: 7, message_id: 100, user_id: 2, emoji: '👍', added: true },
      { type: 'pinned', seq: 12, chat_id: 7, message_id: 100, user_id: 2, pinned: true },
      { type: 'reaction', seq: 11, chat_id: 7, message_id: 100, user_id: 2, emoji: '👍', added: true },
    )
    expect(timeline.map((e) => [e.type, e.seq])).toEqual([['reaction', 11], ['pinned', 12]])
    expect(client.lastSeqOf(7)).toBe(12)
    s1.serverClose(1006)
    await vi.runOnlyPendingTimersAsync()
    const s2 = await connect()
    expect(sockets).toHaveLength(2)
    expect(s2.sent[0]).toEqual({ type: 'auth', token: 'tok', resume: { 7: 12 } })
  })

  it('passes mention notices on without touching the seq', async () => {
    const { client, connect } = setup()
    const seen: number[] = []
    client.on('mention', (e) => seen.push(e.message_id))
    client.start()
    const s = await connect()
    s.push({ type: 'mention', chat_id: 7, message_id: 42, seq: 11, sender_id: 2 })
    expect(seen).toEqual([42])
    expect(client.lastSeqOf(7)).toBe(10)
  })

  it('starts a joined chat from its last_seq and forgets a left one', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    s.push({ type: 'chat_joined', chat: { id: 12, workspace_id: 1, kind: 'group', name: 'g', private: true, owner_id: 2, last_seq: 5, created_at: '' } })
    expect(client.lastSeqOf(12)).toBe(5)
    s.push({ type: 'chat_left', chat_id: 12 })
    expect(client.lastSeqOf(12)).toBeUndefined()
  })
})

describe('ChatClient sends', () => {
  it('reconciles an optimistic send with its ack', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    const sent: [string, number][] = []
    client.on('sent', (cid, m) => sent.push([cid, m.id]))
    const item = client.send(7, 'hello')
    expect(item.status).toBe('sending')
    const frame = s.frames('send')[0]
    expect(frame).toEqual({ type: 'send', ref: 's:' + item.clientId, chat_id: 7, client_id: item.clientId, text: 'hello' })
    s.push({ type: 'ack', ref: frame.ref, message: msg(300, 11, { sender_id: 1, client_id: item.clientId }) })
    expect(sent).toEqual([[item.clientId, 300]])
    expect(client.pending()).toEqual([])
  })

  it('reconciles when its own message event arrives before the ack', async () => {
    const { client, connect, timeline } = setup()
    client.start()
    const s = await connect()
    const sent: string[] = []
    client.on('sent', (cid) => sent.push(cid))
    const item = client.send(7, 'hello')
    const m = msg(300, 11, { sender_id: 1, client_id: item.clientId })
    s.push({ type: 'message', seq: 11, message: m }, { type: 'ack', ref: 's:' + item.clientId, message: m })
    expect(sent).toEqual([item.clientId])
    expect(timeline).toHaveLength(1)
    expect(client.pending()).toEqual([])
  })

  it('queues while offline and sends on ready', async () => {
    const { client, connect } = setup()
    client.start()
    const item = client.send(7, 'early')
    expect(item.status).toBe('queued')
    const s = await connect()
    expect(s.frames('send').map((f) => f.client_id)).toEqual([item.clientId])
  })

  it('resends an unacknowledged message with the same client_id after a reconnect', async () => {
    const { client, connect } = setup()
    client.start()
    const s1 = await connect()
    const item = client.send(7, 'lost ack')
    s1.serverClose(1006)
    expect(client.pending()[0].status).toBe('queued')
    await vi.runOnlyPendingTimersAsync()
    const s2 = await connect()
    const f = s2.frames('send')
    expect(f).toHaveLength(1)
    expect(f[0].client_id).toBe(item.clientId)
    expect(client.pending()[0].attempts).toBe(2)
  })

  it('marks a send failed on an error reply and retries it with the same client_id', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    const item = client.send(7, 'x')
    s.push({ type: 'error', ref: 's:' + item.clientId, code: 'unavailable', message: 'store down' })
    expect(client.pending()[0]).toMatchObject({ status: 'failed', error: { code: 'unavailable' } })
    client.retry(item.clientId)
    const frames = s.frames('send')
    expect(frames).toHaveLength(2)
    expect(frames[1].client_id).toBe(item.clientId)
    expect(client.pending()[0].status).toBe('sending')
  })

  it('sends an overloaded send again by itself, same client_id, after retry_after_ms plus jitter', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    const item = client.send(7, 'x')
    s.push({ type: 'error', ref: 's:' + item.clientId, code: 'overloaded', message: 'retry in 800ms', retry_after_ms: 800 })
    expect(client.pending()[0]).toMatchObject({ status: 'queued' })
    await vi.advanceTimersByTimeAsync(1199) // 800 × (1 + random 0.5) = 1200
    expect(s.frames('send')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    const frames = s.frames('send')
    expect(frames).toHaveLength(2)
    expect(frames[1].client_id).toBe(item.clientId)
    s.push({ type: 'ack', ref: 's:' + item.clientId, message: msg(50, 11, { sender_id: 1, client_id: item.clientId }) })
    expect(client.pending()).toHaveLength(0)
  })

  it('gives up retrying a refused send by itself after a few attempts', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    const item = client.send(7, 'x')
    for (let i = 0; i < 10 && client.pending()[0].status !== 'failed'; i++) {
      s.push({ type: 'error', ref: 's:' + item.clientId, code: 'rate_limited', message: 'slow down', retry_after_ms: 100 })
      await vi.advanceTimersByTimeAsync(200)
    }
    expect(client.pending()[0]).toMatchObject({ status: 'failed', error: { code: 'rate_limited' } })
    expect(s.frames('send')).toHaveLength(6)
  })

  it('marks a send failed when no ack comes in time', async () => {
    const { client, connect } = setup()
    client.start()
    await connect()
    client.send(7, 'x')
    await vi.advanceTimersByTimeAsync(5000)
    expect(client.pending()[0]).toMatchObject({ status: 'failed', error: { code: 'timeout' } })
  })

  it('resolves edits with their ack and rejects them with their error', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    const ok = client.edit(7, 100, 'new')
    const bad = client.remove(7, 101)
    const [e1, e2] = [s.frames('edit')[0], s.frames('delete')[0]]
    s.push({ type: 'ack', ref: e1.ref, message: msg(100, 5, { text: 'new' }) })
    s.push({ type: 'error', ref: e2.ref, code: 'forbidden', message: 'not yours' })
    await expect(ok).resolves.toMatchObject({ text: 'new' })
    await expect(bad).rejects.toMatchObject({ code: 'forbidden' })
    s.serverClose(1006)
    await expect(client.edit(7, 1, 'x')).rejects.toMatchObject({ code: 'offline' })
  })

  it('sends a refused reaction or edit again by itself after retry_after_ms plus jitter, then gives up', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    const r = client.react(7, 100, '🎉', true)
    s.push({ type: 'error', ref: s.frames('react')[0].ref, code: 'overloaded', message: 'retry in 800ms', retry_after_ms: 800 })
    await vi.advanceTimersByTimeAsync(1199) // 800 × (1 + random 0.5) = 1200
    expect(s.frames('react')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    const again = s.frames('react')
    expect(again).toHaveLength(2)
    expect(again[1]).toMatchObject({ chat_id: 7, message_id: 100, emoji: '🎉' })
    expect(again[1].ref).not.toBe(again[0].ref)
    const reacted = msg(100, 5, { reactions: [{ emoji: '🎉', count: 1, user_ids: [1] }] })
    s.push({ type: 'ack', ref: again[1].ref, message: reacted })
    await expect(r).resolves.toEqual(reacted)

    const e = client.edit(7, 100, 'new')
    const rejected = expect(e).rejects.toMatchObject({ code: 'rate_limited' })
    for (let i = 0; i < 10 && s.frames('edit').length > i; i++) {
      s.push({ type: 'error', ref: s.frames('edit')[i].ref, code: 'rate_limited', message: 'slow down', retry_after_ms: 100 })
      await vi.advanceTimersByTimeAsync(200)
    }
    await rejected
    expect(s.frames('edit')).toHaveLength(6)
  })
})

describe('ChatClient threads, reactions and pins', () => {
  it('sends a reply with its thread_id and keeps it on the outgoing item', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    const out = client.send(7, 'in the thread', 100)
    expect(out.threadId).toBe(100)
    expect(s.frames('send')[0]).toMatchObject({ chat_id: 7, text: 'in the thread', thread_id: 100 })
    client.send(7, 'in the channel')
    expect(s.frames('send')[1]).not.toHaveProperty('thread_id')
  })

  it('resolves react, unreact, pin and unpin with the message of their ack', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    const r = client.react(7, 100, '🎉', true)
    const u = client.react(7, 100, '🎉', false)
    const p = client.pin(7, 100, true)
    const q = client.pin(7, 100, false)
    expect(s.sent.slice(-4).map((f) => f.type)).toEqual(['react', 'unreact', 'pin', 'unpin'])
    expect(s.frames('react')[0]).toMatchObject({ chat_id: 7, message_id: 100, emoji: '🎉' })
    const reacted = msg(100, 5, { reactions: [{ emoji: '🎉', count: 1, user_ids: [1] }] })
    s.push({ type: 'ack', ref: s.frames('react')[0].ref, message: reacted })
    s.push({ type: 'ack', ref: s.frames('unreact')[0].ref, message: msg(100, 5) })
    s.push({ type: 'ack', ref: s.frames('pin')[0].ref, message: msg(100, 5, { pinned: true }) })
    s.push({ type: 'error', ref: s.frames('unpin')[0].ref, code: 'forbidden', message: 'message is deleted' })
    await expect(r).resolves.toEqual(reacted)
    await expect(u).resolves.toMatchObject({ id: 100 })
    await expect(p).resolves.toMatchObject({ pinned: true })
    await expect(q).rejects.toMatchObject({ code: 'forbidden', message: 'message is deleted' })
  })

  it('reports an event type it does not know instead of failing', async () => {
    const { client, connect } = setup()
    const unknown: string[] = []
    client.on('unknown', (t) => unknown.push(t))
    client.start()
    const s = await connect()
    s.onmessage?.({ data: '{"type":"hologram","chat_id":7}\n{"type":"pong","ref":"x"}' })
    expect(unknown).toEqual(['hologram'])
  })
})

describe('ChatClient feature probes', () => {
  it('turns typing off when the server does not know the frame', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    client.typing(7, 0)
    const t = s.frames('typing')[0]
    expect(s.sent.at(-1)).toEqual({ type: 'ping', ref: 'p:' + t.ref })
    s.push({ type: 'error', ref: t.ref, code: 'invalid_input', message: 'unknown frame type "typing"' }, { type: 'pong', ref: 'p:' + t.ref })
    expect(client.features.typing).toBe(false)
    client.typing(7, 10_000)
    expect(s.frames('typing')).toHaveLength(1)
  })

  it('turns typing on when the pong comes without an error, and throttles it', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    client.typing(7, 0)
    s.push({ type: 'pong', ref: 'p:' + s.frames('typing')[0].ref })
    expect(client.features.typing).toBe(true)
    client.typing(7, 1000)
    client.typing(7, 3500)
    expect(s.frames('typing')).toHaveLength(2)
    expect(s.frames('typing')[1]).toEqual({ type: 'typing', chat_id: 7 })
  })

  it('learns presence from the first presence event', async () => {
    const { client, connect } = setup()
    client.start()
    const s = await connect()
    const seen: [number, boolean][] = []
    client.on('presence', (u, on) => seen.push([u, on]))
    s.push({ type: 'presence', user_id: 2, online: true })
    expect(client.features.presence).toBe(true)
    expect(seen).toEqual([[2, true]])
  })
})
