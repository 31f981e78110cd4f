// People in the e2e tests: one Chromium profile each, signing up through the real screens.

import type { BrowserContext, Page } from 'playwright-core'
import { launch, type LaunchOptions } from './harness'

export const password = 'correct horse battery'

export interface Person {
  name: string
  email: string
  page: Page
  context: BrowserContext
  cspViolations: string[] // what the Content-Security-Policy blocked on this person's pages
  close(): Promise<void>
  id?: number
}

export async function person(name: string, email: string, setup?: (context: BrowserContext) => Promise<void>, opts?: LaunchOptions): Promise<Person> {
  const b = await launch(opts)
  if (setup) await setup(b.context)
  const page = b.context.pages()[0] ?? (await b.context.newPage())
  page.on('pageerror', (e: Error) => console.error(`[${name}] page error:`, e))
  return { name, email, page, context: b.context, cspViolations: b.cspViolations, close: b.close }
}

export function online(p: Person) {
  return p.page.waitForFunction(() => (window as any).__fechatter.state.connection === 'online')
}

async function signedIn(p: Person) {
  await p.page.getByTestId('new-chat').waitFor()
  await online(p)
  p.id = await p.page.evaluate(() => (window as any).__fechatter.state.user.id)
}

/** Signs p up without an invitation: that creates a new workspace named workspace. */
export async function signUpNew(baseURL: string, p: Person, workspace: string) {
  await p.page.goto(baseURL)
  await p.page.getByRole('tab', { name: 'Sign up' }).click()
  await p.page.locator('input[name=fullname]').fill(p.name)
  await p.page.getByLabel('New workspace name').fill(workspace)
  await p.page.locator('input[name=email]').fill(p.email)
  await p.page.locator('input[name=password]').fill(password)
  await p.page.getByRole('button', { name: 'Create workspace' }).click()
  await signedIn(p)
}

/** Makes an invitation link through p's Invite people dialog and closes it again. */
export async function inviteLink(p: Person, opts: { email?: string } = {}): Promise<string> {
  await p.page.getByRole('button', { name: 'Invite people' }).click()
  const dialog = p.page.getByRole('dialog', { name: /Invite people/ })
  if (opts.email) await dialog.getByLabel(/Email/).fill(opts.email)
  await dialog.getByRole('button', { name: 'Create link' }).click()
  const link = await dialog.getByTestId('invite-link').inputValue()
  await dialog.getByRole('button', { name: 'Done' }).click()
  await dialog.waitFor({ state: 'hidden' })
  return link
}

/** Opens an invitation link and signs p up with it; workspace is the name it should show. */
export async function signUpWithInvite(p: Person, link: string, workspace: string) {
  await p.page.goto(link)
  await p.page.getByRole('heading', { name: `Join ${workspace}` }).waitFor()
  await p.page.locator('input[name=fullname]').fill(p.name)
  const email = p.page.locator('input[name=email]')
  if ((await email.getAttribute('readonly')) === null) await email.fill(p.email)
  await p.page.locator('input[name=password]').fill(password)
  await p.page.getByRole('button', { name: `Join ${workspace}` }).click()
  await signedIn(p)
}

/** Calls the REST API from p's page with p's access token. */
export function rest<T = unknown>(p: Person, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return p.page.evaluate(
    async ([method, path, body]) => {
      const s = JSON.parse(localStorage.getItem('fechatter.session')!)
      const headers: Record<string, string> = { Authorization: 'Bearer ' + s.access }
      if (body !== undefined) headers['Content-Type'] = 'application/json'
      const r = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      return { status: r.status, body: r.status === 204 ? null : await r.json() }
    },
    [method, path, body] as const,
  ) as Promise<{ status: number; body: T }>
}
