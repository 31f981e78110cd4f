// The server's golden events (docs/events/*.json, written and checked by the Go tests) against
// the client: each one parses, matches the client's types field by field (schema.ts ties the
// check to types.ts), and is handled by ChatClient's dispatch, timeline events moving the
// chat's seq. A field the server adds or retypes, or an event the client does not know, fails.

import { describe, expect, it } from 'vitest'
import { ChatClient, parseFrame, type SocketLike } from './client'
import { eventTypes, validateEvent } from './schema'
import { timelineTypes, type ServerEvent } from './types'

const raw = import.meta.glob<string>('../../../docs/events/*.json', { eager: true, query: '?raw', import: 'default' })
const golden = Object.entries(raw).map(([path, text]) => ({ file: path.slice(path.lastIndexOf('/') + 1), text }))
const files = golden.map((g) => g.file)

// Events the client knows that have no golden file yet (the lead was asked for them).
const withoutGolden: string[] = []

/** A ChatClient on a scripted socket, online in chat 7 at seq 1. */
async function online() {
  let socket!: SocketLike & { readyState: number }
  const client = new ChatClient({
    url: 'ws://test/ws',
    token: async () => ({ token: 't', expiresAt: Date.now() + 900_000 }),
    heartbeatMs: 1e9,
    socket: () => {
      socket = { readyState: 0, send() {}, close() {}, onopen: null, onmessage: null, onclose: null, onerror: null }
      return socket
    },
  })
  client.start()
  await new Promise((r) => setTimeout(r, 0))
  socket.readyState = 1
  socket.onopen?.({})
  const user = { id: 5, workspace_id: 1, email: 'b@x.io', fullname: 'Ben', role: 'member', created_at: '2026-12-01T09:00:00Z' }
  socket.onmessage?.({ data: JSON.stringify({ type: 'ready', user, chats: [{ id: 7, last_seq: 1 }] }) })
  const feed = (line: string) => socket.onmessage?.({ data: line })
  return { client, feed }
}

describe('golden server events (docs/events)', () => {
  it('has a golden file for every event the client knows, but the listed gaps', () => {
    const types = new Set(golden.map((g) => JSON.parse(g.text).type))
    expect(files.length).toBeGreaterThan(10)
    const missing = eventTypes.filter((t) => !types.has(t))
    expect(withoutGolden).toEqual(expect.arrayContaining(missing))
  })

  it.each(golden)('$file matches the client types', ({ text }) => {
    // the files are pretty-printed; on the wire each event is one line
    const events = parseFrame(JSON.stringify(JSON.parse(text)))
    expect(events).toHaveLength(1)
    expect(validateEvent(events[0])).toEqual([])
  })

  it.each(golden)('$file is handled by the protocol client', async ({ text }) => {
    const { client, feed } = await online()
    const unknown: string[] = []
    const timeline: ServerEvent[] = []
    client.on('unknown', (t) => unknown.push(t))
    client.on('timeline', (e) => timeline.push(e))
    const e = JSON.parse(text) as ServerEvent
    feed(JSON.stringify(e))
    expect(unknown).toEqual([])
    if ((timelineTypes as readonly string[]).includes(e.type)) {
      expect(timeline).toEqual([e])
      expect(client.lastSeqOf(7)).toBe((e as { seq: number }).seq)
    } else {
      expect(timeline).toEqual([])
    }
    client.stop()
  })

  it('rejects what the client types do not say', () => {
    const ok = JSON.parse(golden.find((g) => g.file === 'reaction.json')!.text)
    expect(validateEvent({ ...ok, added: 'yes' })).toEqual(['reaction.added: want a boolean, got "yes"'])
    expect(validateEvent({ ...ok, colour: 'red' })).toEqual(["reaction.colour: not in the client's types"])
    const { emoji: _, ...noEmoji } = ok
    expect(validateEvent(noEmoji)).toEqual(['reaction.emoji: missing'])
    expect(validateEvent({ type: 'hologram' })).toEqual(['unknown event type "hologram"'])
  })
})
