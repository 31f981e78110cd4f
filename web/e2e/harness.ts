// Boots the real binary on a free port with a temp data dir, and Debian's Chromium through
// playwright-core (no downloaded browsers). Conditions are polled, never slept on.

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const inCI = process.env.CI === 'true'

/** Whether the browser tests can run here; under CI a missing Chromium is an error, not a skip. */
export function browserAvailable(): boolean {
  if (existsSync(chromiumPath)) return true
  if (inCI) throw new Error(`${chromiumPath} is missing; .ci/run installs it (apt-get install chromium)`)
  console.warn(`e2e: skipped, ${chromiumPath} not found (apt-get install -y --no-install-recommends chromium)`)
  return false
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => ok(port))
    })
  })
}

/** Polls fn until it returns a truthy value, or throws after timeoutMs. */
export async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface Server {
  url: string
  proc: ChildProcess
  logs: string[]
  stop(): Promise<void>
}

export async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const bin = resolve(process.env.FECHATTER_BIN ?? '../bin/fechatter')
  if (!existsSync(bin)) throw new Error(`${bin} not found; run \`make build\` first (make test-web-e2e does)`)
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'fechatter-e2e-'))
  const logs: string[] = []
  const proc = spawn(bin, [], {
    env: { ...process.env, FECHATTER_ADDR: `127.0.0.1:${port}`, FECHATTER_DATA_DIR: dataDir, FECHATTER_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  proc.stdout!.on('data', (d) => logs.push(String(d)))
  proc.stderr!.on('data', (d) => logs.push(String(d)))
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  const url = `http://127.0.0.1:${port}`
  await until(
    'the server to be ready',
    async () => {
      if (proc.exitCode !== null) throw new Error('server exited: ' + logs.join(''))
      return (await fetch(url + '/readyz')).ok
    },
    30_000,
  )
  const res = await fetch(url + '/')
  const index = await res.text()
  if (!index.includes('id="app"')) throw new Error('the binary serves the fallback page: build the client first (make build)')
  // without the policy, "no CSP violation" would prove nothing
  if (!res.headers.get('content-security-policy')?.includes("script-src 'self'")) throw new Error('the page is served without its Content-Security-Policy')
  return {
    url,
    proc,
    logs,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM')
        await exited
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface Browser {
  context: BrowserContext
  /** Every Content-Security-Policy violation seen in this browser so far. */
  cspViolations: string[]
  close(): Promise<void>
}

/** How a browser looks: a phone is { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true }. */
export interface LaunchOptions {
  viewport?: { width: number; height: number }
  hasTouch?: boolean
  isMobile?: boolean
  colorScheme?: 'light' | 'dark'
  reducedMotion?: 'reduce' | 'no-preference'
}

export async function launch(opts: LaunchOptions = {}): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'fechatter-chromium-'))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    ...opts,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  return {
    context,
    cspViolations: await watchCSP(context),
    async close() {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Records the Content-Security-Policy violations of every page in a context, two ways: the
 * page's securitypolicyviolation events (reported through a binding, so none is lost when a
 * page navigates) and Chromium's console messages about them.
 */
async function watchCSP(context: BrowserContext): Promise<string[]> {
  const seen: string[] = []
  await context.exposeBinding('__fechatterCSPViolation', (_source, v: string) => {
    seen.push(v)
  })
  await context.addInitScript(() => {
    addEventListener(
      'securitypolicyviolation',
      (e) => {
        const report = (window as unknown as { __fechatterCSPViolation(v: string): void }).__fechatterCSPViolation
        report(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline code'} at ${e.sourceFile || '?'}:${e.lineNumber}`)
      },
      true,
    )
  })
  context.on('console', (m) => {
    // "Refused to load …", or in newer Chromium "Executing inline script violates the following
    // Content Security Policy directive …"
    if (m.text().startsWith('Refused to') || m.text().includes('Content Security Policy directive')) seen.push(m.text())
  })
  return seen
}

/** Fails when a browser met a CSP violation; every test ends with it (see afterEach). */
export function assertNoCSPViolations(who: string, b: Pick<Browser, 'cspViolations'>) {
  if (b.cspViolations.length > 0) {
    throw new Error(`${who}: Content-Security-Policy violations:\n  ${b.cspViolations.join('\n  ')}`)
  }
}
