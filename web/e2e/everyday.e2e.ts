// The client a team lives in all day, in Chromium against the real binary: accessibility
// (axe-core on every main screen, both themes, phone width), the tab title and desktop
// notifications, drafts, a search hit opening in the middle of a long history, Ctrl+K, and the
// phone action sheet. Olivia and Ivan use desktops; Paula a 390 × 844 touch screen.

import { resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { axeLog, checkA11y } from './axe'
import { assertNoCSPViolations, browserAvailable, startServer, until, type Server } from './harness'
import { inviteLink, person, rest, signUpNew, signUpWithInvite, type Person } from './people'

const docs = (name: string) => resolve(process.env.FECHATTER_SCREENSHOT_DIR ?? '../docs', name)
const phone = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true }
const run = browserAvailable()

/** Records every desktop notification a page shows (the real one is shown too). */
function recordNotifications() {
  const Real = window.Notification
  const seen: { title: string; body?: string }[] = []
  ;(window as any).__notifications = seen
  class Recorded extends Real {
    constructor(title: string, opts?: NotificationOptions) {
      super(title, opts)
      seen.push({ title, body: opts?.body })
    }
  }
  ;(window as any).Notification = Recorded
}

describe.skipIf(!run)('everyday use in Chromium against the real binary', () => {
  let server: Server
  let olivia: Person
  let ivan: Person
  let paula: Person
  let general = 0
  let dm = 0
  const everyone: Person[] = []

  beforeAll(async () => {
    // seeding a long history goes faster than the per-user send limit allows
    process.env.FECHATTER_SEND_RATE = '0'
    server = await startServer()
    delete process.env.FECHATTER_SEND_RATE
    olivia = await person('Olivia Owner', 'olivia@example.com', async (ctx) => {
      await ctx.grantPermissions(['notifications'], { origin: server.url })
      await ctx.addInitScript(recordNotifications)
    })
    ivan = await person('Ivan Invitee', 'ivan@example.com')
    paula = await person('Paula Phone', 'paula@example.com', undefined, phone)
    everyone.push(olivia, ivan, paula)
  })

  afterAll(async () => {
    for (const p of everyone) await p?.close()
    await server?.stop()
    console.log('axe-core results (critical/serious fail the test):\n' + axeLog.map((r) => `  ${r.screen}: ${r.violations} violations (minor/moderate), ${r.passes} rules passed`).join('\n'))
  })

  afterEach(() => {
    for (const p of everyone) if (p) assertNoCSPViolations(p.name, p)
  })

  const messageText = (page: Page, text: string | RegExp) => page.getByTestId('message-text').filter({ hasText: text })

  it('passes axe on the login and signup screens, at desktop and phone widths', async () => {
    await olivia.page.goto(server.url)
    await olivia.page.getByRole('tab', { name: 'Log in' }).waitFor()
    await checkA11y(olivia.page, 'login')
    // the check can fail: faint text on the page is a serious violation
    await olivia.page.evaluate(() => {
      const p = document.createElement('p')
      p.id = 'axe-probe'
      p.textContent = 'faint text'
      p.style.color = '#d4d4d8'
      document.querySelector('main, #app')!.append(p)
    })
    await expect(checkA11y(olivia.page, 'probe: faint text (must fail)')).rejects.toThrow(/color-contrast/)
    await olivia.page.evaluate(() => document.getElementById('axe-probe')!.remove())
    await olivia.page.getByRole('tab', { name: 'Sign up' }).click()
    await checkA11y(olivia.page, 'signup')
    await paula.page.goto(server.url)
    await paula.page.getByRole('tab', { name: 'Log in' }).waitFor()
    await checkA11y(paula.page, 'login, phone')
  })

  it('signs the team up; the chat screen and its dialogs pass axe', async () => {
    await signUpNew(server.url, olivia, 'Initech')
    await checkA11y(olivia.page, 'chat screen, empty')
    const link = await inviteLink(olivia)
    await signUpWithInvite(ivan, link, 'Initech')
    await signUpWithInvite(paula, await inviteLink(olivia), 'Initech')

    const g = await rest<{ id: number }>(olivia, 'POST', '/chats', { kind: 'channel', name: 'general', member_ids: [ivan.id, paula.id] })
    general = g.body.id
    // a second "General" is refused, whatever its case
    const again = await rest<{ error: { code: string; message: string } }>(ivan, 'POST', '/chats', { kind: 'channel', name: 'General' })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('conflict')

    await olivia.page.getByTestId(`chat-${general}`).click()
    await olivia.page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()
    // opening a chat puts the focus in its message box
    await until('the composer to have the focus', () => olivia.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid === 'composer'))
    await olivia.page.getByTestId('composer').fill('Morning all, standup at 10')
    await olivia.page.getByTestId('composer').press('Enter')
    await messageText(olivia.page, 'standup at 10').waitFor()
    await checkA11y(olivia.page, 'chat')

    await olivia.page.getByRole('button', { name: 'New channel' }).click()
    await olivia.page.getByRole('dialog', { name: 'New chat' }).getByText('Ivan Invitee').waitFor()
    await checkA11y(olivia.page, 'new chat dialog')
    await olivia.page.keyboard.press('Escape')
    await olivia.page.getByTestId('notification-settings-button').click()
    await olivia.page.getByRole('dialog', { name: 'Notifications' }).waitFor()
    await checkA11y(olivia.page, 'notification settings dialog')
    await olivia.page.keyboard.press('Escape')
    await olivia.page.getByTestId('messages').click({ position: { x: 5, y: 5 } })
    await olivia.page.keyboard.press('?')
    await olivia.page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor()
    await checkA11y(olivia.page, 'shortcut help dialog')
    await olivia.page.keyboard.press('Escape')
  })

  it('counts unread in the title and shows a desktop notification for a DM in a background chat', async () => {
    const created = await rest<{ id: number }>(ivan, 'POST', '/chats', { kind: 'direct', member_ids: [olivia.id] })
    dm = created.body.id
    await olivia.page.getByTestId(`chat-${dm}`).waitFor()
    expect(await olivia.page.title()).toBe('Fechatter')
    // Olivia stays in #general; Ivan writes to her directly
    const sent = await rest(ivan, 'POST', `/chats/${dm}/messages`, { client_id: crypto.randomUUID(), text: 'Got a minute? <@' + olivia.id + '>' })
    expect(sent.status).toBe(201)
    await until('the title to count the DM', async () => (await olivia.page.title()) === '(1) Fechatter')
    const notes = await until('a desktop notification', async () => {
      const n = await olivia.page.evaluate(() => (window as any).__notifications as { title: string; body?: string }[])
      return n.length ? n : null
    })
    expect(notes).toEqual([{ title: 'Ivan Invitee', body: 'Got a minute? @Olivia Owner' }])
    expect(await olivia.page.locator('link[rel=icon]').getAttribute('href')).toMatch(/^data:image\/png/)
    // a message in the chat she is reading notifies nothing; reading the DM clears the count
    await rest(ivan, 'POST', `/chats/${general}/messages`, { client_id: crypto.randomUUID(), text: 'on my way' })
    await messageText(olivia.page, 'on my way').waitFor()
    await olivia.page.getByTestId(`chat-${dm}`).click()
    await until('the title to clear', async () => (await olivia.page.title()) === 'Fechatter')
    expect(await olivia.page.evaluate(() => (window as any).__notifications.length)).toBe(1)
    // a muted chat neither notifies nor counts
    await olivia.page.getByTestId(`chat-${general}`).click()
    await rest(olivia, 'PATCH', `/chats/${dm}/preferences`, { muted: true })
    await olivia.page.reload()
    await olivia.page.getByTestId(`chat-${dm}`).and(olivia.page.locator('[data-muted]')).waitFor()
    await rest(ivan, 'POST', `/chats/${dm}/messages`, { client_id: crypto.randomUUID(), text: 'muted ping' })
    await until('the muted DM to arrive', () => olivia.page.evaluate((id) => (window as any).__fechatter.state.chats[id].unread === 1, dm))
    expect(await olivia.page.title()).toBe('Fechatter')
    expect(await olivia.page.evaluate(() => (window as any).__notifications.length)).toBe(0) // a fresh page since the reload
    await rest(olivia, 'PATCH', `/chats/${dm}/preferences`, { muted: false })
  })

  it('keeps a draft across a chat switch and a reload', async () => {
    await olivia.page.getByTestId(`chat-${general}`).click()
    const box = olivia.page.getByTestId('composer')
    await box.fill('half-written thought about the release')
    await olivia.page.getByTestId(`chat-${dm}`).click()
    await olivia.page.getByTestId('chat-title').filter({ hasText: 'Ivan Invitee' }).waitFor()
    expect(await box.inputValue()).toBe('')
    await olivia.page.getByTestId(`chat-${general}`).click()
    await olivia.page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()
    expect(await box.inputValue()).toBe('half-written thought about the release')
    await olivia.page.reload()
    await olivia.page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()
    expect(await box.inputValue()).toBe('half-written thought about the release')
    // sending clears it
    await box.press('Enter')
    await messageText(olivia.page, 'half-written thought').waitFor()
    await olivia.page.reload()
    await olivia.page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()
    expect(await box.inputValue()).toBe('')
  })

  it('edits the last message with ↑, inline, with Esc and Enter', async () => {
    const box = olivia.page.getByTestId('composer')
    await box.focus()
    await box.press('ArrowUp')
    const edit = olivia.page.getByTestId('edit-box')
    await edit.waitFor()
    expect(await olivia.page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid)).toBe('edit-box')
    await edit.press('Escape')
    await edit.waitFor({ state: 'detached' })
    await box.press('ArrowUp')
    await edit.fill('half-written thought about the release, now finished')
    await edit.press('Enter')
    await messageText(olivia.page, 'now finished').waitFor()
  })

  it('opens a search hit in the middle of a long history, highlighted', async () => {
    // 300 messages by Ivan; the 120th holds the word to find
    await ivan.page.evaluate(async (chat) => {
      const s = JSON.parse(localStorage.getItem('fechatter.session')!)
      for (let i = 1; i <= 300; i++) {
        const text = i === 120 ? 'the zebracorn estimate is three weeks' : `status line ${i}`
        const r = await fetch(`/api/v1/chats/${chat}/messages`, {
          method: 'POST',
          headers: { Authorization: 'Bearer ' + s.access, 'Content-Type': 'application/json' },
          body: JSON.stringify({ client_id: crypto.randomUUID(), text }),
        })
        if (!r.ok) throw new Error(`send ${i}: ${r.status}`)
      }
    }, general)
    await olivia.page.getByTestId(`chat-${dm}`).click()
    await olivia.page.keyboard.press('Control+k')
    const input = olivia.page.getByTestId('switcher-input')
    await input.waitFor()
    await input.fill('zebracorn')
    await input.press('ArrowDown') // past the chats (none match) to "Search messages"
    await input.press('Enter')
    const hit = olivia.page.getByTestId('search-hit').filter({ hasText: 'three weeks' })
    await hit.waitFor()
    expect(await hit.innerText()).toContain('general')
    await checkA11y(olivia.page, 'search panel with results')
    await hit.click()
    await olivia.page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()
    const row = olivia.page.locator('[data-highlighted=true]')
    await row.filter({ hasText: 'zebracorn' }).waitFor()
    // in view, and neither at the bottom of the history nor at its top
    const list = (await olivia.page.getByTestId('messages').boundingBox())!
    await until('the hit to sit inside the list', async () => {
      const b = await row.boundingBox()
      return b && b.y > list.y && b.y + b.height < list.y + list.height
    })
    await expect.poll(() => olivia.page.getByTestId('messages').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeGreaterThan(2000)
    expect(await messageText(olivia.page, /^status line 119$/).count()).toBe(1)
    expect(await messageText(olivia.page, /^status line 121$/).count()).toBe(1)
    // a query the engine rejects is an error, not "no matches"
    await olivia.page.keyboard.press('Control+k')
    await input.fill('a'.repeat(600))
    await input.press('Enter')
    await olivia.page.getByTestId('search-error').waitFor()
    await olivia.page.keyboard.press('Escape')
  })

  it('switches chats with Ctrl+K and Alt+↓', async () => {
    await olivia.page.keyboard.press('Control+k')
    const input = olivia.page.getByTestId('switcher-input')
    await input.fill('ivan')
    await input.press('Enter')
    await olivia.page.getByTestId('chat-title').filter({ hasText: 'Ivan Invitee' }).waitFor()
    await until('the composer to have the focus', () => olivia.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid === 'composer'))
    await olivia.page.keyboard.press('Control+k')
    await input.fill('gene')
    await input.press('Enter')
    await olivia.page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()
    await olivia.page.keyboard.press('Alt+ArrowDown') // channels come before direct messages
    await olivia.page.getByTestId('chat-title').filter({ hasText: 'Ivan Invitee' }).waitFor()
  })

  it('edits and deletes through the action sheet on a 390 × 844 phone', async () => {
    const page = paula.page
    await checkA11y(page, 'chat list, phone')
    await page.getByTestId(`chat-${general}`).tap()
    await page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()
    const box = page.getByTestId('composer')
    await box.tap()
    await box.pressSequentially('first line')
    await box.press('Enter') // Return adds a line on a touch screen
    await box.pressSequentially('secnd line')
    expect(await box.inputValue()).toBe('first line\nsecnd line')
    // the placeholder and the send button fit
    expect((await page.getByTestId('send').boundingBox())!.x + 40).toBeLessThanOrEqual(390)
    await page.getByTestId('send').tap()
    const mine = page.getByTestId('message').filter({ hasText: 'secnd line' })
    await mine.waitFor()
    // the hover toolbar never shows on a touch screen; its buttons catch no taps
    expect(await mine.getByTestId('message-actions').isVisible()).toBe(false)
    await checkA11y(page, 'chat, phone')
    await mine.getByTestId('message-actions-toggle').tap()
    const sheet = page.getByTestId('message-sheet')
    await sheet.waitFor()
    await checkA11y(page, 'action sheet, phone')
    await page.screenshot({ path: docs('screenshot-phone.png') })
    await sheet.getByTestId('sheet-edit').tap()
    const edit = page.getByTestId('edit-box')
    await edit.waitFor()
    await edit.fill('first line\nsecond line')
    await page.getByTestId('edit-save').tap()
    await messageText(page, 'second line').waitFor()
    await messageText(ivan.page, 'second line').waitFor({ timeout: 10_000 }).catch(() => {}) // Ivan may be elsewhere
    await page.getByTestId('message').filter({ hasText: 'second line' }).getByTestId('message-actions-toggle').tap()
    await sheet.getByTestId('sheet-delete').tap()
    await sheet.getByTestId('sheet-confirm-delete').tap()
    await page.getByTestId('message').filter({ hasText: 'This message was deleted.' }).last().waitFor()
  })

  it('passes axe in dark mode, and draws its theme icons', async () => {
    const page = olivia.page
    const themeButton = page.getByTestId('theme-button')
    for (let i = 0; i < 3 && !(await page.evaluate(() => document.documentElement.classList.contains('dark'))); i++) await themeButton.click()
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true)
    const icon = (await themeButton.locator('svg path').first().boundingBox())!
    expect(icon.width * icon.height).toBeGreaterThan(20) // the moon used to have no area
    await page.getByTestId(`chat-${general}`).click()
    await page.getByTestId('chat-title').filter({ hasText: 'general' }).waitFor()
    await checkA11y(page, 'chat, dark')
    await page.keyboard.press('Control+k')
    await page.getByTestId('switcher-input').fill('zebracorn')
    await page.getByTestId('switcher-input').press('ArrowDown')
    await page.getByTestId('switcher-input').press('Enter')
    await page.getByTestId('search-hit').first().waitFor()
    await checkA11y(page, 'search panel, dark')
    await page.keyboard.press('Escape')
    await page.getByRole('button', { name: 'New channel' }).click()
    await checkA11y(page, 'new chat dialog, dark')
    await page.keyboard.press('Escape')
    // starring puts a chat in its own section, first
    await page.getByTestId('star-button').click()
    await page.getByTestId('section-starred').getByTestId(`chat-${general}`).waitFor()
    await rest(ivan, 'POST', `/chats/${dm}/messages`, { client_id: crypto.randomUUID(), text: 'The **Q3 plan** draft is in the shared folder, comments welcome' })
    await rest(olivia, 'POST', `/chats/${dm}/messages`, { client_id: crypto.randomUUID(), text: 'Thanks, reading it now. Can we go through it after standup?' })
    await rest(ivan, 'POST', `/chats/${dm}/messages`, { client_id: crypto.randomUUID(), text: 'Sure :thumbsup:' })
    await page.getByTestId(`chat-${dm}`).click()
    await messageText(page, 'Sure').waitFor()
    await checkA11y(page, 'direct message, dark')
    await page.screenshot({ path: docs('screenshot-dark.png') })
  })
})
