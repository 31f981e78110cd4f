// Two people chat through the real binary in two Chromium profiles: Ann signs up (a new
// workspace) and invites Ben. The tests run in order and share the users and chats they create.

import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { BrowserContext, WebSocketRoute } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { checkA11y } from './axe'
import { assertNoCSPViolations, browserAvailable, startServer, until, type Server } from './harness'
import { inviteLink, online, person, signUpNew, signUpWithInvite, type Person } from './people'

const screenshotPath = resolve(process.env.FECHATTER_SCREENSHOT ?? '../docs/screenshot.png')

/** Routes a context's WebSockets through Playwright so the test can cut them like a network would. */
class Cable {
  cut = false
  private live: { page: WebSocketRoute; server: WebSocketRoute }[] = []
  async attach(context: BrowserContext) {
    await context.routeWebSocket(/\/ws$/, (ws) => {
      if (this.cut) {
        ws.close({ code: 1001, reason: 'network down (test)' })
        return
      }
      this.live.push({ page: ws, server: ws.connectToServer() })
    })
  }
  async unplug() {
    this.cut = true
    for (const c of this.live.splice(0)) {
      await c.server.close().catch(() => {})
      await c.page.close({ code: 1001, reason: 'network down (test)' }).catch(() => {})
    }
  }
  plug() {
    this.cut = false
  }
}

const run = browserAvailable()

describe.skipIf(!run)('web client in Chromium against the real binary', () => {
  let server: Server
  let ann: Person
  let ben: Person
  const benCable = new Cable()
  let general = 0

  function messageText(p: Person, text: string | RegExp) {
    return p.page.getByTestId('message-text').filter({ hasText: text })
  }

  async function send(p: Person, text: string) {
    const box = p.page.getByTestId('composer')
    await box.fill(text)
    await box.press('Enter')
  }

  async function texts(p: Person, chatId: number): Promise<string[]> {
    return p.page.evaluate(async (id) => {
      const s = JSON.parse(localStorage.getItem('fechatter.session')!)
      const r = await fetch(`/api/v1/chats/${id}/messages?limit=200`, { headers: { Authorization: 'Bearer ' + s.access } })
      return (await r.json()).messages.map((m: { text: string }) => m.text)
    }, chatId)
  }

  beforeAll(async () => {
    server = await startServer()
    ann = await person('Ann Archer', 'ann@example.com')
    ben = await person('Ben Baker', 'ben@example.com', (c) => benCable.attach(c))
  })

  // the client runs under the server's Content-Security-Policy: any violation fails the test
  afterEach(() => {
    for (const p of [ann, ben]) if (p) assertNoCSPViolations(p.name, p)
  })

  afterAll(async () => {
    await ann?.close()
    await ben?.close()
    await server?.stop()
  })

  it('signs up two users of one workspace who create a channel and exchange messages both ways', async () => {
    await signUpNew(server.url, ann, 'Acme')
    await signUpWithInvite(ben, await inviteLink(ann), 'Acme')

    // Ann creates #general with Ben
    await ann.page.getByTestId('new-chat').click()
    const dialog = ann.page.getByRole('dialog')
    await dialog.locator('input[name=chat-name]').fill('general')
    await dialog.getByText('Ben Baker').click()
    await dialog.getByRole('button', { name: 'Create' }).click()
    await ann.page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()
    general = await ann.page.evaluate(() => (window as any).__fechatter.state.activeChatId)
    expect(general).toBeGreaterThan(0)

    // Ben is told about it live (chat_joined) and opens it
    await ben.page.getByTestId(`chat-${general}`).click()
    await ben.page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()

    await send(ann, 'Hello Ben, welcome to Fechatter 👋')
    await messageText(ben, 'Hello Ben, welcome to Fechatter').waitFor()
    await send(ben, 'Hi Ann! Glad to be here.')
    await messageText(ann, 'Hi Ann! Glad to be here.').waitFor()

    // Shift+Enter adds a line, Enter sends
    const box = ann.page.getByTestId('composer')
    await box.fill('first line')
    await box.press('Shift+Enter')
    await box.pressSequentially('second line')
    await box.press('Enter')
    const multi = messageText(ben, 'second line')
    await multi.waitFor()
    expect(await multi.innerText()).toContain('first line\nsecond line')

    // the optimistic copy is replaced by the acknowledged one: one row, status sent
    await ann.page.waitForFunction(() => (window as any).__fechatter.state.outbox.length === 0)
    expect(await messageText(ann, 'second line').count()).toBe(1)
  })

  it('opens a direct message with anyone and shows an unread badge', async () => {
    await ben.page.getByRole('button', { name: 'New direct message' }).click()
    const dialog = ben.page.getByRole('dialog')
    await dialog.getByText('Ann Archer').click()
    await dialog.getByRole('button', { name: 'Create' }).click()
    await ben.page.getByTestId('chat-title').filter({ hasText: 'Ann Archer' }).waitFor()
    const dm = await ben.page.evaluate(() => (window as any).__fechatter.state.activeChatId)
    await send(ben, 'psst — lunch at noon?')
    // Ann is still in #general: the DM shows up with one unread message
    const badge = ann.page.getByTestId(`chat-${dm}`).getByLabel('1 unread')
    await badge.waitFor()
    await ann.page.getByTestId(`chat-${dm}`).click()
    await messageText(ann, 'lunch at noon').waitFor()
    await badge.waitFor({ state: 'detached' })
    await send(ann, 'Sure, see you there.')
    await messageText(ben, 'see you there').waitFor()
    await ann.page.getByTestId(`chat-${general}`).click()
    await ben.page.getByTestId(`chat-${general}`).click()
  })

  it('shows typing and presence when the server sends them (feature-probed)', async () => {
    // The client probes `typing` with a ping behind it: an error before the pong means the
    // server does not have live state yet, and then there is nothing to assert.
    const box = ben.page.getByTestId('composer')
    await box.fill('')
    await box.pressSequentially('typing')
    const typing = await until('the typing probe to settle', () =>
      ben.page.evaluate(() => {
        const f = (window as any).__fechatter.state.features.typing
        return f === null ? null : { supported: f as boolean }
      }),
    )
    if (!typing!.supported) {
      console.warn('e2e: this server does not support typing/presence yet; their assertions are skipped')
    } else {
      // typing frames are throttled (client and server); a typist keeps typing until it shows
      await until('Ann to see Ben typing', async () => {
        await box.pressSequentially('.')
        return (await ann.page.getByTestId('typing').innerText()).includes('Ben Baker is typing')
      })
      await ann.page.waitForFunction((id) => (window as any).__fechatter.state.presence[id] === true, ben.id!)
    }
    await ben.page.getByTestId('composer').fill('')
  })

  it('shows edits and deletes live', async () => {
    const row = ann.page.getByTestId('message').filter({ hasText: 'Hello Ben, welcome' })
    await row.hover()
    await row.getByRole('button', { name: 'Edit' }).click()
    const edit = ann.page.getByLabel('Edit message')
    await edit.fill('Hello Ben, welcome to Fechatter! (fixed)')
    await edit.press('Enter')
    await messageText(ben, '(fixed)').waitFor()
    await ben.page.getByTestId('message').filter({ hasText: '(fixed)' }).getByText('(edited)').waitFor()

    await send(ann, 'oops, wrong chat')
    const oops = ann.page.getByTestId('message').filter({ hasText: 'oops, wrong chat' })
    await messageText(ben, 'oops, wrong chat').waitFor()
    ann.page.once('dialog', (d) => d.accept())
    await oops.hover()
    await oops.getByRole('button', { name: 'Delete' }).click()
    await messageText(ben, 'oops, wrong chat').waitFor({ state: 'detached' })
    await ben.page.getByText('This message was deleted.').waitFor()
  })

  it('survives a lost connection with nothing missing or doubled', async () => {
    await benCable.unplug()
    await ben.context.setOffline(true)
    await ben.page.getByTestId('offline-banner').waitFor()

    const away = ['while you were away 1', 'while you were away 2', 'while you were away 3']
    for (const t of away) await send(ann, t)
    await until('Ann to have her sends acknowledged', () => ann.page.evaluate(() => (window as any).__fechatter.state.outbox.length === 0))
    // Ben writes while offline: it waits in the outbox, shown as not yet sent
    await send(ben, 'written while offline')
    await ben.page.getByTestId('message').filter({ hasText: 'written while offline' }).and(ben.page.locator('[data-status=queued]')).waitFor()
    // a message not yet sent is quieter, never below AA contrast
    await checkA11y(ben.page, 'offline, a message queued')

    benCable.plug()
    await ben.context.setOffline(false)
    await online(ben)
    await ben.page.getByTestId('offline-banner').waitFor({ state: 'detached' })
    for (const t of away) await messageText(ben, t).waitFor()
    await messageText(ann, 'written while offline').waitFor()
    await ben.page.waitForFunction(() => (window as any).__fechatter.state.outbox.length === 0)

    // a second blip straight after, while a send is in flight, must not double it either
    await send(ben, 'sent across a blip')
    await benCable.unplug()
    benCable.plug()
    await messageText(ann, 'sent across a blip').waitFor()
    await ben.page.waitForFunction(() => (window as any).__fechatter.state.outbox.length === 0)
    await online(ben)

    for (const p of [ann, ben]) {
      for (const t of [...away, 'written while offline', 'sent across a blip']) {
        await until(`${p.name} to show "${t}" exactly once`, async () => (await messageText(p, t).count()) === 1)
      }
      const ids: number[] = await p.page.evaluate((id) => (window as any).__fechatter.timelineIds(id), general)
      expect(new Set(ids).size).toBe(ids.length)
    }
    const stored = await texts(ann, general)
    expect(new Set(stored).size).toBe(stored.length)
    expect(stored.filter((t) => t === 'written while offline')).toHaveLength(1)
    expect(stored.filter((t) => t === 'sent across a blip')).toHaveLength(1)
    const annIds = await ann.page.evaluate((id) => (window as any).__fechatter.timelineIds(id), general)
    const benIds = await ben.page.evaluate((id) => (window as any).__fechatter.timelineIds(id), general)
    expect(benIds).toEqual(annIds)
  })

  it('writes a screenshot of the main screen', async () => {
    await ann.page.getByTestId(`chat-${general}`).click()
    await ann.page.getByTestId('composer').fill('')
    await ann.page.mouse.move(0, 0)
    mkdirSync(dirname(screenshotPath), { recursive: true })
    await ann.page.screenshot({ path: screenshotPath })
  })

  it('shows who has seen a message after a reconnect, from the ready event alone', async () => {
    const dm: number = await ann.page.evaluate(() => {
      const chats = Object.values((window as any).__fechatter.state.chats) as { chat: { id: number; kind: string } }[]
      return chats.find((c) => c.chat.kind === 'direct')!.chat.id
    })
    await ann.page.getByTestId(`chat-${dm}`).click()
    await ben.page.getByTestId(`chat-${general}`).click()
    await send(ben, 'did everyone read this')
    await benCable.unplug()
    await ben.context.setOffline(true)
    await ben.page.getByTestId('offline-banner').waitFor()
    // while Ben is away Ann reads it; the read event never reaches him and is not replayed
    await ann.page.getByTestId(`chat-${general}`).click()
    await messageText(ann, 'did everyone read this').waitFor()
    await until('the server to store Ann\'s read', () =>
      ann.page.evaluate(async (id) => {
        const s = JSON.parse(localStorage.getItem('fechatter.session')!)
        const h = { headers: { Authorization: 'Bearer ' + s.access } }
        const chat = await (await fetch(`/api/v1/chats/${id}`, h)).json()
        const { reads } = await (await fetch(`/api/v1/chats/${id}/reads`, h)).json()
        return reads.some((r: { user_id: number; last_read_seq: number }) => r.user_id === s.user.id && r.last_read_seq >= chat.last_seq)
      }, general),
    )
    // Ben's client may not ask GET /reads: the positions must come with ready
    await ben.page.route('**/api/v1/chats/*/reads', (r) => r.abort())
    benCable.plug()
    await ben.context.setOffline(false)
    await online(ben)
    await ben.page.getByTestId('seen-by').filter({ hasText: 'Seen by Ann Archer' }).waitFor()
    await ben.page.unroute('**/api/v1/chats/*/reads')
  })

  it('pages history upward as you scroll', async () => {
    // Ann seeds 150 messages over a raw socket, paced under the per-user send limit (10/s)
    const chatId: number = await ann.page.evaluate(async (benId) => {
      const s = JSON.parse(localStorage.getItem('fechatter.session')!)
      const r = await fetch('/api/v1/chats', {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + s.access, 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'channel', name: 'history', member_ids: [benId] }),
      })
      const chat = await r.json()
      const ws = new WebSocket(`ws://${location.host}/ws`)
      await new Promise((ok) => (ws.onopen = ok))
      ws.send(JSON.stringify({ type: 'auth', token: s.access }))
      let acked = 0
      const done = new Promise<void>((ok, fail) => {
        ws.onmessage = (ev) => {
          for (const line of String(ev.data).split('\n')) {
            if (!line) continue
            const e = JSON.parse(line)
            if (e.type === 'error') fail(new Error(e.message))
            if (e.type === 'ack' && ++acked === 150) ok()
          }
        }
      })
      for (let i = 1; i <= 150; i++) {
        ws.send(JSON.stringify({ type: 'send', ref: i, chat_id: chat.id, client_id: crypto.randomUUID(), text: `seed ${i}` }))
        await new Promise((r) => setTimeout(r, 105))
      }
      await done
      ws.close()
      return chat.id
    }, ben.id)

    await ben.page.goto(`${server.url}/c/${chatId}`)
    await messageText(ben, 'seed 150').waitFor()
    expect(await messageText(ben, /^seed 1$/).count()).toBe(0)
    await until(
      'the first message after scrolling up',
      async () => {
        await ben.page.getByTestId('messages').evaluate((el) => (el.scrollTop = 0))
        return (await messageText(ben, /^seed 1$/).count()) === 1
      },
      30_000,
    )
    const ids: number[] = await ben.page.evaluate((id) => (window as any).__fechatter.timelineIds(id), chatId)
    expect(ids).toHaveLength(150)
    expect(new Set(ids).size).toBe(150)
    expect(await ben.page.getByTestId('message').count()).toBeLessThan(150) // virtualised
    await ben.page.getByTestId('jump-latest').click()
    await messageText(ben, 'seed 150').waitFor()
  })

  it('keeps 10,000 messages virtualised and scrollable', async () => {
    const page = ann.page
    await page.getByTestId(`chat-${general}`).click()
    await page.evaluate((id) => (window as any).__fechatter.inject(id, 10_000), general)
    await messageText(ann, 'synthetic message 10000').waitFor()
    expect(await page.getByTestId('message').count()).toBeLessThan(120)
    // Scroll through the whole list in steps: the DOM must stay bounded at every step. The
    // frame time is reported, not asserted (a wall-clock bound fails on a busy machine).
    const { worst, mostRendered } = await page.getByTestId('messages').evaluate(async (el) => {
      let worst = 0
      let mostRendered = 0
      let last = performance.now()
      for (let i = 0; i < 60; i++) {
        el.scrollTop = el.scrollTop - el.scrollHeight / 60
        await new Promise((r) => requestAnimationFrame(r))
        const now = performance.now()
        worst = Math.max(worst, now - last)
        mostRendered = Math.max(mostRendered, el.querySelectorAll('[data-testid="message"]').length)
        last = now
      }
      el.scrollTop = 0
      return { worst, mostRendered }
    })
    console.info(`e2e: worst frame while scrolling 10,000 messages: ${worst.toFixed(1)} ms`)
    await until('the first synthetic message', async () => {
      await page.getByTestId('messages').evaluate((el) => (el.scrollTop = 0))
      return (await messageText(ann, /^synthetic message 1$/).count()) === 1
    })
    expect(await page.getByTestId('message').count()).toBeLessThan(120)
    expect(mostRendered).toBeGreaterThan(0)
    expect(mostRendered).toBeLessThan(120)
  })
})
