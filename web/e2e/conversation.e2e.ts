// Conversations beyond plain messages, with two people in two Chromium profiles against the real
// binary: threads, reactions, mentions, pins and finding public channels. Ann signs up (a new
// workspace), invites Ben, and the two share #launch. The tests run in order and share them.

import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Locator } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertNoCSPViolations, browserAvailable, startServer, until, type Server } from './harness'
import { inviteLink, person, rest, signUpNew, signUpWithInvite, type Person } from './people'

const screenshotPath = resolve(process.env.FECHATTER_THREAD_SCREENSHOT ?? '../docs/thread.png')

const run = browserAvailable()

describe.skipIf(!run)('threads, reactions, mentions, pins and channels in Chromium', () => {
  let server: Server
  let ann: Person
  let ben: Person
  let launch = 0

  const row = (p: Person, text: string, within?: Locator) => (within ?? p.page).getByTestId('message').filter({ hasText: text })
  const panel = (p: Person) => p.page.getByTestId('thread-panel')

  async function type(box: Locator, text: string) {
    await box.fill(text)
    await box.press('Enter')
  }

  async function openChat(p: Person, id: number) {
    await p.page.getByTestId(`chat-${id}`).click()
    await p.page.getByTestId('chat-title').waitFor()
  }

  beforeAll(async () => {
    server = await startServer()
    ann = await person('Ann Archer', 'ann@example.com')
    ben = await person('Ben Baker', 'ben@example.com')
    await signUpNew(server.url, ann, 'Initech')
    await signUpWithInvite(ben, await inviteLink(ann), 'Initech')
    // Ann makes #launch with Ben in it
    await ann.page.getByTestId('new-chat').click()
    const dialog = ann.page.getByRole('dialog')
    await dialog.locator('input[name=chat-name]').fill('launch')
    await dialog.getByText('Ben Baker').click()
    await dialog.getByRole('button', { name: 'Create' }).click()
    await ann.page.getByTestId('chat-title').filter({ hasText: 'launch' }).waitFor()
    launch = await ann.page.evaluate(() => (window as any).__fechatter.state.activeChatId)
    await openChat(ben, launch)
  })

  afterEach(() => {
    for (const p of [ann, ben]) if (p) assertNoCSPViolations(p.name, p)
  })

  afterAll(async () => {
    await ann?.close()
    await ben?.close()
    await server?.stop()
  })

  it('replies in a thread: the count shows under the root and the reply arrives live in the other panel', async () => {
    await type(ann.page.getByTestId('composer'), 'Release plan for Friday')
    const root = row(ann, 'Release plan for Friday')
    await root.hover()
    await root.getByTestId('reply-in-thread').click()
    await panel(ann).waitFor()
    // the panel's composer has the focus and replies in the thread
    await expect.poll(() => ann.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Reply')
    await type(panel(ann).getByTestId('composer'), 'Step 1: freeze the branch')
    await row(ann, 'Step 1: freeze the branch', panel(ann)).waitFor()

    // Ben sees "1 reply" under the root (not the reply itself in the channel) and opens the thread
    const line = row(ben, 'Release plan for Friday').getByTestId('thread-summary')
    await line.filter({ hasText: '1 reply' }).waitFor()
    expect(await ben.page.getByTestId('messages').getByText('Step 1: freeze the branch').count()).toBe(0)
    await line.click()
    await row(ben, 'Step 1: freeze the branch', panel(ben)).waitFor()

    // a reply while both have it open arrives live on the other side
    await type(panel(ann).getByTestId('composer'), 'Step 2: ship it')
    await row(ben, 'Step 2: ship it', panel(ben)).waitFor()
    await type(panel(ben).getByTestId('composer'), 'On it, I take step 2')
    await row(ann, 'On it, I take step 2', panel(ann)).waitFor()
    for (const p of [ann, ben]) {
      await panel(p).getByTestId('thread-count').filter({ hasText: '3 replies' }).waitFor()
      await row(p, 'Release plan for Friday', p.page.getByTestId('messages')).getByTestId('thread-summary').filter({ hasText: '3 replies' }).waitFor()
    }
    // Ben replied, so he follows the thread
    await panel(ben).getByTestId('follow-thread').filter({ hasText: 'Following' }).waitFor()

    mkdirSync(dirname(screenshotPath), { recursive: true })
    await ben.page.mouse.move(0, 0)
    await ben.page.screenshot({ path: screenshotPath })

    // Esc closes the panel and gives the focus back
    await panel(ben).getByTestId('composer').press('Escape')
    await panel(ben).waitFor({ state: 'detached' })
    expect(await ben.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('thread-summary')
  })

  it('lists followed threads with their unread replies and reads them on opening', async () => {
    await panel(ann).getByTestId('close-panel').click()
    await type(ben.page.getByTestId('composer'), 'back in the channel')
    // Ann is out of the thread: Ben's new reply is unread for her
    await row(ben, 'Release plan for Friday').getByTestId('thread-summary').click()
    await type(panel(ben).getByTestId('composer'), 'Step 2 done')
    await ann.page.getByTestId('threads-nav').getByLabel('1 unread replies').waitFor()
    await ann.page.getByTestId('threads-nav').click()
    const item = ann.page.getByTestId('thread-item').filter({ hasText: 'Release plan for Friday' })
    await item.filter({ hasText: '4 replies' }).waitFor()
    await item.click()
    await row(ann, 'Step 2 done', panel(ann)).waitFor()
    await ann.page.getByTestId('threads-nav').getByLabel(/unread/).waitFor({ state: 'detached' })
    const threads = await rest<{ threads: { unread: number }[] }>(ann, 'GET', '/me/threads')
    await until('the thread to be read on the server', async () => (await rest<{ threads: { unread: number }[] }>(ann, 'GET', '/me/threads')).body.threads[0]?.unread === 0)
    expect(threads.status).toBe(200)
    await panel(ann).getByTestId('close-panel').click()
    await panel(ben).getByTestId('close-panel').click()
  })

  it('reacts: the chip appears for the other live, and a click toggles one’s own', async () => {
    const benRoot = row(ben, 'Release plan for Friday', ben.page.getByTestId('messages'))
    await benRoot.hover()
    await benRoot.getByTestId('message-actions').getByTestId('react-button').click()
    await ben.page.getByTestId('emoji-picker').getByRole('button', { name: 'party popper' }).click()

    const chip = row(ann, 'Release plan for Friday', ann.page.getByTestId('messages')).locator('[data-testid=reaction-chip][data-emoji="🎉"]')
    await chip.waitFor()
    expect(await chip.innerText()).toContain('1')
    expect(await chip.getAttribute('aria-label')).toBe('🎉 1: Ben Baker')
    expect(await chip.getAttribute('aria-pressed')).toBe('false')

    await chip.click()
    await until('Ann’s own reaction to count', async () => (await chip.getAttribute('aria-pressed')) === 'true')
    expect(await chip.innerText()).toContain('2')
    const benChip = row(ben, 'Release plan for Friday', ben.page.getByTestId('messages')).locator('[data-testid=reaction-chip][data-emoji="🎉"]')
    await until('Ben to see two', async () => (await benChip.innerText()).includes('2'))
    expect(await benChip.getAttribute('aria-label')).toBe('🎉 2: you and Ann Archer')

    // Ben takes his back
    await benChip.click()
    await until('Ann to see one again', async () => (await chip.innerText()).includes('1') && (await chip.getAttribute('aria-label')) === '🎉 1: you')
  })

  it('mentions: autocomplete inserts the member, the other gets a mention badge, then a highlight', async () => {
    // Ben looks at his saved messages: #launch is not open for him
    await ben.page.getByTestId('saved-nav').click()
    await ben.page.getByTestId('saved-view').waitFor()

    const box = ann.page.getByTestId('composer')
    await box.fill('')
    await box.pressSequentially('@Be')
    await ann.page.getByTestId('mention-suggestions').getByRole('option', { name: /Ben Baker/ }).waitFor()
    await box.press('Enter')
    expect(await box.inputValue()).toBe('@Ben Baker ')
    await box.pressSequentially('can you check the release notes?')
    await box.press('Enter')

    const badge = ben.page.getByTestId(`chat-${launch}`).getByTestId('mention-badge')
    await badge.filter({ hasText: '@1' }).waitFor()
    expect(await badge.getAttribute('aria-label')).toBe('1 mention')
    // stored with the token, shown with the name
    const stored = await rest<{ messages: { text: string; mentions?: number[] }[] }>(ann, 'GET', `/chats/${launch}/messages?limit=5`)
    const sent = stored.body.messages.find((m) => m.text.includes('release notes'))!
    expect(sent.text).toBe(`<@${ben.id}> can you check the release notes?`)
    expect(sent.mentions).toEqual([ben.id])

    await openChat(ben, launch)
    await badge.waitFor({ state: 'detached' })
    const mentioned = row(ben, 'can you check the release notes?')
    expect(await mentioned.getAttribute('data-mentions-me')).toBe('true')
    expect(await mentioned.getByTestId('message-text').innerText()).toContain('@Ben Baker can you check')

    // and back: Ann is elsewhere when Ben mentions her
    await ann.page.getByTestId('threads-nav').click()
    const benBox = ben.page.getByTestId('composer')
    await benBox.pressSequentially('@ann')
    await ben.page.getByTestId('mention-suggestions').getByRole('option', { name: /Ann Archer/ }).click()
    await benBox.pressSequentially('done ✅')
    await benBox.press('Enter')
    await ann.page.getByTestId(`chat-${launch}`).getByTestId('mention-badge').filter({ hasText: '@1' }).waitFor()
    await openChat(ann, launch)
    await ann.page.getByTestId(`chat-${launch}`).getByTestId('mention-badge').waitFor({ state: 'detached' })
  })

  it('pins a message: the other sees the mark live, and the pins list shows it', async () => {
    const root = row(ann, 'Release plan for Friday')
    await root.hover()
    await root.getByTestId('pin').click()
    await row(ben, 'Release plan for Friday').getByTestId('pinned-mark').waitFor()
    await ben.page.getByTestId('pins-button').click()
    const pins = ben.page.getByTestId('pins-panel')
    await pins.getByTestId('pin-item').filter({ hasText: 'Release plan for Friday' }).waitFor()
    expect(await pins.getByTestId('pin-item').count()).toBe(1)
    // unpinned by Ann, gone from Ben's open list
    await root.hover()
    await root.getByTestId('pin').filter({ hasText: 'Unpin' }).click()
    await pins.getByTestId('pin-item').waitFor({ state: 'detached' })
    await pins.getByTestId('close-panel').click()
  })

  it('finds and joins a public channel through Browse channels', async () => {
    // Ann makes #random without Ben
    await ann.page.getByTestId('new-chat').click()
    const dialog = ann.page.getByRole('dialog', { name: 'New chat' })
    await dialog.locator('input[name=chat-name]').fill('random')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await ann.page.getByTestId('chat-title').filter({ hasText: 'random' }).waitFor()
    await type(ann.page.getByTestId('composer'), 'anyone here likes cats?')

    await ben.page.getByTestId('browse-channels-button').click()
    const browse = ben.page.getByTestId('browse-channels')
    await browse.getByLabel('Search channels').fill('rand')
    const item = browse.getByTestId('channel-item').filter({ hasText: 'random' })
    await until('the search to leave only #random', async () => (await browse.getByTestId('channel-item').count()) === 1 && (await item.count()) === 1)
    await item.getByRole('button', { name: 'Join random' }).click()
    await browse.waitFor({ state: 'hidden' })
    await ben.page.getByTestId('chat-title').filter({ hasText: 'random' }).waitFor()
    await row(ben, 'anyone here likes cats?').waitFor()
    // Ann sees Ben join, live
    await ann.page.getByTestId('notice').filter({ hasText: 'Ben Baker joined' }).waitFor()
  })

  it('sets a topic and removes a member from the members panel; the removed one loses the chat live', async () => {
    const random = await ann.page.evaluate(() => (window as any).__fechatter.state.activeChatId)
    await ann.page.getByTestId('members-button').click()
    const details = ann.page.getByTestId('members-panel')
    await details.getByTestId('member-list').getByText('Ben Baker').waitFor()
    await details.getByTestId('edit-chat').click()
    await details.locator('input[name=chat-topic]').fill('Cats, mostly')
    await details.getByRole('button', { name: 'Save' }).click()
    await ann.page.getByTestId('chat-topic').filter({ hasText: 'Cats, mostly' }).waitFor()
    await details.getByRole('button', { name: 'Remove Ben Baker' }).click()
    await ben.page.getByTestId(`chat-${random}`).waitFor({ state: 'detached' })
    await details.getByTestId('member-list').getByText('Ben Baker').waitFor({ state: 'detached' })
    await ann.page.keyboard.press('Escape')
    await details.waitFor({ state: 'detached' })
  })

  it('shows who has seen my latest message, also after a reload', async () => {
    await openChat(ann, launch)
    await openChat(ben, launch)
    await type(ann.page.getByTestId('composer'), 'last call for the notes')
    await row(ben, 'last call for the notes').waitFor()
    const seen = ann.page.getByTestId('seen-by')
    await seen.filter({ hasText: 'Seen by Ben Baker' }).waitFor()
    // read events are not replayed: the positions come back from GET /chats/{id}/reads
    await ann.page.reload()
    await seen.filter({ hasText: 'Seen by Ben Baker' }).waitFor()
  })
})
