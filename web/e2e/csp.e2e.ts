// The Content-Security-Policy guard of the e2e tests, proved able to fail: the built client
// passes the policy, and code that breaks it (an inline script, an inline style, a request to
// another origin) is blocked by Chromium, recorded and turned into a failure by
// assertNoCSPViolations, which every other e2e file runs after each test.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertNoCSPViolations, browserAvailable, launch, startServer, until, type Browser, type Server } from './harness'

describe.skipIf(!browserAvailable())('the Content-Security-Policy guard', () => {
  let server: Server
  let browser: Browser

  beforeAll(async () => {
    server = await startServer()
    browser = await launch()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('passes the built client and catches what breaks the policy', async () => {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage())
    await page.goto(server.url + '/')
    await page.getByRole('tab', { name: 'Sign up' }).waitFor()
    assertNoCSPViolations('the login page', browser)

    await page.evaluate(() => {
      const script = document.createElement('script')
      script.textContent = 'window.__inlineRan = true'
      document.body.append(script)
      const style = document.createElement('style')
      style.textContent = 'body { outline: 1px solid red }'
      document.head.append(style)
      fetch('http://127.0.0.2:9/').catch(() => {})
    })
    const seen = () => browser.cspViolations.join('\n')
    await until('the three violations to be reported', () => ['script-src', 'style-src', 'connect-src'].every((d) => seen().includes(d)), 10_000)
    expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined()
    expect(() => assertNoCSPViolations('the broken page', browser)).toThrow(/Content-Security-Policy violations/)
    browser.cspViolations.length = 0 // this test's violations were the point
  })
})
