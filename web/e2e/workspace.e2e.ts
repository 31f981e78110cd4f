// Workspaces as a boundary, in Chromium against the real binary: joining takes an invitation,
// the same workspace name twice makes two workspaces, and revoked access signs a page out.
// The tests run in order and share the people they create.

import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertNoCSPViolations, browserAvailable, startServer, until, type Server } from './harness'
import { inviteLink, person, rest, signUpNew, signUpWithInvite, type Person } from './people'

const run = browserAvailable()

describe.skipIf(!run)('workspaces and invitations', () => {
  let server: Server
  let olivia: Person // owner of Globex
  let ivan: Person // invited into Globex
  let oscar: Person // signs up a second "Globex" without an invitation
  const people: Person[] = []

  async function newPerson(name: string, email: string) {
    const p = await person(name, email)
    people.push(p)
    return p
  }

  function messageText(page: Page, text: string) {
    return page.getByTestId('message-text').filter({ hasText: text })
  }

  beforeAll(async () => {
    server = await startServer()
    olivia = await newPerson('Olivia Owner', 'olivia@example.com')
    ivan = await newPerson('Ivan Invitee', 'ivan@example.com')
    oscar = await newPerson('Oscar Other', 'oscar@example.com')
  })

  afterEach(() => {
    for (const p of people) assertNoCSPViolations(p.name, p)
  })

  afterAll(async () => {
    for (const p of people) await p.close()
    await server?.stop()
  })

  it('joins a workspace through an invitation link, and the two talk live', async () => {
    await signUpNew(server.url, olivia, 'Globex')
    await olivia.page.getByTestId('account').filter({ hasText: 'Globex' }).waitFor()
    const link = await inviteLink(olivia)
    expect(link).toMatch(new RegExp(`^${server.url}/invite#[A-Za-z0-9_-]{20,}$`))

    await signUpWithInvite(ivan, link, 'Globex')
    // the token is dropped from the address bar once used
    expect(ivan.page.url()).toBe(server.url + '/')
    await ivan.page.getByTestId('account').filter({ hasText: 'Globex' }).waitFor()

    // Ivan finds Olivia in the directory and writes to her
    await ivan.page.getByRole('button', { name: 'New direct message' }).click()
    const dialog = ivan.page.getByRole('dialog')
    await dialog.getByText('Olivia Owner').click()
    await dialog.getByRole('button', { name: 'Create' }).click()
    await ivan.page.getByTestId('chat-title').filter({ hasText: 'Olivia Owner' }).waitFor()
    const dm: number = await ivan.page.evaluate(() => (window as any).__fechatter.state.activeChatId)
    await ivan.page.getByTestId('composer').fill('Hi Olivia, thanks for the invite')
    await ivan.page.getByTestId('composer').press('Enter')

    await olivia.page.getByTestId(`chat-${dm}`).click()
    await messageText(olivia.page, 'thanks for the invite').waitFor()
    await olivia.page.getByTestId('composer').fill('Welcome to Globex, Ivan')
    await olivia.page.getByTestId('composer').press('Enter')
    await messageText(ivan.page, 'Welcome to Globex, Ivan').waitFor()
  })

  it('shows members leaving and being added as lines in the timeline, live', async () => {
    const created = await rest<{ id: number }>(olivia, 'POST', '/chats', { kind: 'channel', name: 'plans', member_ids: [ivan.id] })
    const plans = created.body.id
    await olivia.page.getByTestId(`chat-${plans}`).click()
    await ivan.page.getByTestId(`chat-${plans}`).click()
    await ivan.page.getByTestId('chat-title').filter({ hasText: 'plans' }).waitFor()

    expect((await rest(ivan, 'DELETE', `/chats/${plans}/members/${ivan.id}`)).status).toBe(204)
    await olivia.page.getByTestId('notice').filter({ hasText: 'Ivan Invitee left' }).waitFor()
    await ivan.page.getByTestId(`chat-${plans}`).waitFor({ state: 'detached' })

    expect((await rest(olivia, 'POST', `/chats/${plans}/members`, { user_ids: [ivan.id] })).status).toBe(200)
    await olivia.page.getByTestId('notice').filter({ hasText: 'Olivia Owner added Ivan Invitee' }).waitFor()
    await ivan.page.getByTestId(`chat-${plans}`).click()
    // the timeline goes on after the membership events: nothing stalls on their seqs
    await olivia.page.getByTestId('composer').fill('Good to have you back')
    await olivia.page.getByTestId('composer').press('Enter')
    await messageText(ivan.page, 'Good to have you back').waitFor()
    // Ivan may see the message before Olivia's own socket has delivered its event: poll hers
    const seqsOf = () => olivia.page.evaluate((id) => {
      const f = (window as any).__fechatter
      return { last: f.client().lastSeqOf(id) as number, chat: f.state.chats[id].chat.last_seq as number }
    }, plans)
    await expect.poll(async () => (await seqsOf()).last, { timeout: 10_000 }).toBeGreaterThanOrEqual(3) // member_left, member_joined, the message
    const seqs = await seqsOf()
    expect(seqs.last).toBe(seqs.chat)
  })

  it('locks the email of a bound invitation, and shows why a revoked one fails', async () => {
    const link = await inviteLink(olivia, { email: 'eve@example.com' })
    const page = await oscar.context.newPage()
    await page.goto(link)
    await page.getByRole('heading', { name: 'Join Globex' }).waitFor()
    const email = page.locator('input[name=email]')
    expect(await email.inputValue()).toBe('eve@example.com')
    expect(await email.getAttribute('readonly')).not.toBeNull()

    // Olivia revokes it in the dialog's list of active invitations
    await olivia.page.getByRole('button', { name: 'Invite people' }).click()
    const dialog = olivia.page.getByRole('dialog', { name: /Invite people/ })
    const row = dialog.getByTestId('invite-row').filter({ hasText: 'eve@example.com' })
    await row.getByRole('button', { name: /Revoke/ }).click()
    await row.waitFor({ state: 'detached' })
    await olivia.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })

    await page.reload()
    const problem = page.getByTestId('invite-problem')
    await problem.waitFor()
    expect(await problem.innerText()).toContain('not a valid invitation')
    // from there, an existing account logs in instead
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('tab', { name: 'Log in' }).waitFor()
    expect(page.url()).toBe(server.url + '/')
    await page.close()
  })

  it('gives a second workspace of the same name to someone who signs up without an invitation', async () => {
    await signUpNew(server.url, oscar, 'Globex')
    await oscar.page.getByTestId('account').filter({ hasText: 'Globex' }).waitFor()
    await oscar.page.getByRole('button', { name: 'New direct message' }).click()
    const dialog = oscar.page.getByRole('dialog')
    await dialog.getByText('Nobody else in this workspace yet').waitFor()
    await oscar.page.keyboard.press('Escape')
    const users = await rest<{ users: { email: string }[] }>(oscar, 'GET', '/users')
    expect(users.body.users.map((u) => u.email)).toEqual(['oscar@example.com'])
    const mine = await rest<{ id: number }>(oscar, 'GET', '/workspace')
    const theirs = await rest<{ id: number }>(olivia, 'GET', '/workspace')
    expect(mine.body.id).not.toBe(theirs.body.id)
  })

  it('signs out an open page at once when its account is disabled', async () => {
    const res = await rest(olivia, 'PATCH', `/admin/users/${ivan.id}`, { disabled: true })
    expect(res.status).toBe(200)
    const notice = ivan.page.getByTestId('signed-out')
    await notice.waitFor({ timeout: 5000 })
    expect(await notice.innerText()).toContain('You were signed out: account disabled')
    await ivan.page.getByRole('tab', { name: 'Log in' }).waitFor()
    expect(await ivan.page.evaluate(() => localStorage.getItem('fechatter.session'))).toBeNull()
    // and it stays signed out: nothing reconnects behind the login screen
    await until('the client to stay closed', () => ivan.page.evaluate(() => (window as any).__fechatter.client() === null))
  })

  it('signs out everywhere from the account menu', async () => {
    olivia.page.once('dialog', (d) => d.accept())
    await olivia.page.getByTestId('account').click()
    await olivia.page.getByRole('button', { name: 'Sign out everywhere' }).click()
    await olivia.page.getByTestId('signed-out').filter({ hasText: 'You signed out on every device.' }).waitFor()
  })
})
