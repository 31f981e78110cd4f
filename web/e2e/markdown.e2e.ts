// Message formatting in Chromium: one person in a workspace of their own sends markdown through
// the real binary and sees it rendered, sends markup that must stay harmless, and the renderer
// itself is run in the browser on the XSS corpus and on 5,000 messages for timing.

import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { build, type Rollup } from 'vite'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertNoCSPViolations, browserAvailable, startServer, type Server } from './harness'
import { person, signUpNew, type Person } from './people'

const screenshotPath = resolve(process.env.FECHATTER_MARKDOWN_SCREENSHOT ?? '../docs/markdown.png')
const corpus: string[] = JSON.parse(readFileSync(resolve('src/lib/xss-corpus.json'), 'utf8'))

const formatted = [
  '**Release checklist** for v1.4, notes at https://example.com/releases/1.4',
  '1. run `make test`',
  '2. tag it and _push_',
  '3. ~~email~~ post in <!here>',
  '',
  '> Ship it on Friday?',
  '',
  '```go',
  'func main() {',
  '\tfmt.Println("hello, fechatter") // greet',
  '}',
  '```',
].join('\n')
const hostile = ['<img src=x onerror="window.__xss=1">', '[x](javascript:window.__xss=1)', '<script>window.__xss=1</script>'].join('\n')

/** The markdown module bundled for a plain page: window.markdownBench = its exports. */
async function rendererBundle(): Promise<string> {
  const out = (await build({
    configFile: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      lib: { entry: resolve('src/lib/markdown-bench.ts'), formats: ['iife'], name: 'markdownBench' },
    },
  })) as Rollup.RollupOutput[]
  return (out[0].output[0] as Rollup.OutputChunk).code
}

const run = browserAvailable()

describe.skipIf(!run)('message formatting in Chromium', () => {
  let server: Server
  let ann: Person
  let page: Page

  beforeAll(async () => {
    server = await startServer()
    ann = await person('Ann Archer', 'ann@example.com')
    page = ann.page
  })

  afterEach(() => {
    if (ann) assertNoCSPViolations(ann.name, ann)
  })

  afterAll(async () => {
    await ann?.close()
    await server?.stop()
  })

  async function send(text: string) {
    const box = page.getByTestId('composer')
    await box.fill(text)
    await box.press('Enter')
  }

  it('renders bold, links and highlighted code', async () => {
    await signUpNew(server.url, ann, 'markdown')
    await page.getByTestId('new-chat').click()
    const dialog = page.getByRole('dialog')
    await dialog.locator('input[name=chat-name]').fill('release')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await page.getByTestId('chat-title').filter({ hasText: 'release' }).waitFor()
    await page.waitForFunction(() => (window as any).__fechatter.state.connection === 'online')

    await send('Morning! Draft for today, shout if anything is missing:')
    await send(formatted)
    const msg = page.getByTestId('message-text').filter({ hasText: 'Release checklist' })
    await msg.locator('strong', { hasText: 'Release checklist' }).waitFor()
    const link = msg.locator('a[href="https://example.com/releases/1.4"]')
    expect(await link.getAttribute('target')).toBe('_blank')
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow')
    await msg.locator('pre code.hljs.language-go .hljs-keyword', { hasText: 'func' }).waitFor() // highlight.js arrives lazily
    expect(await msg.locator('ol > li').count()).toBe(3)
    expect(await msg.locator('blockquote').innerText()).toContain('Ship it on Friday?')
    expect(await msg.locator('.mention.mention-me').innerText()).toBe('@here')
  })

  it('writes a screenshot of a conversation with formatting', async () => {
    await send('Looks good. One question for <!channel>: does `make test` need Chromium locally? <@1> will check.')
    await page.getByTestId('message-text').filter({ hasText: 'need Chromium' }).waitFor()
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur())
    await page.mouse.move(0, 0)
    mkdirSync(dirname(screenshotPath), { recursive: true })
    await page.screenshot({ path: screenshotPath })
  })

  it('puts "(edited)" on the last line of the text', async () => {
    const row = page.getByTestId('message').filter({ hasText: 'need Chromium locally' })
    const text = row.getByTestId('message-text')
    const before = (await text.boundingBox())!.height
    await row.hover()
    await row.getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByLabel('Edit message')
    await edit.fill((await edit.inputValue()).replace('will check.', 'will check!'))
    await edit.press('Enter')
    await text.getByText('(edited)').waitFor()
    expect(await text.locator('.mention.mention-me', { hasText: '@Ann Archer' }).count()).toBe(1)
    expect((await text.boundingBox())!.height).toBe(before)
  })

  it('keeps raw HTML and javascript: links harmless', async () => {
    await send(hostile)
    const msg = page.getByTestId('message-text').filter({ hasText: 'onerror' })
    await msg.waitFor()
    expect(await msg.innerText()).toBe(hostile)
    expect(await msg.locator('img, script, a').count()).toBe(0)
    await msg.getByText('[x](javascript:window.__xss=1)').click()
    await msg.getByText('<img src=x').click()
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined()
    expect(await page.getByTestId('messages').locator('img, script, iframe').count()).toBe(0)
  })

  it('renders the XSS corpus harmlessly with Chromium’s own parser', async () => {
    const blank = await ann.context.newPage()
    await blank.addScriptTag({ content: await rendererBundle() })
    const found: string[] = await blank.evaluate(async (payloads) => {
      const { renderMessage } = (window as any).markdownBench
      const tags = new Set(['A', 'BLOCKQUOTE', 'BR', 'CODE', 'EM', 'HR', 'LI', 'OL', 'P', 'PRE', 'S', 'SPAN', 'STRONG', 'UL'])
      const attrs = new Set(['class', 'href', 'rel', 'start', 'target', 'title'])
      const bad: string[] = []
      const live = document.body.appendChild(document.createElement('div'))
      for (const p of payloads) {
        const html: string = renderMessage(p, { me: 1, name: () => '<img src=x onerror="window.__xss=1">' })
        live.innerHTML = html // attached, so anything that could run would
        for (const el of live.querySelectorAll('*')) {
          if (!tags.has(el.tagName)) bad.push(`${p}: <${el.tagName}>`)
          for (const a of el.attributes) if (!attrs.has(a.name)) bad.push(`${p}: ${a.name}`)
          const href = el.getAttribute('href')
          if (href !== null && !['http:', 'https:', 'mailto:'].includes(new URL(href).protocol)) bad.push(`${p}: href ${href}`)
        }
        for (const a of live.querySelectorAll('a')) a.click()
      }
      await new Promise((r) => setTimeout(r, 100))
      if ((window as any).__xss !== undefined) bad.push('window.__xss was set')
      return bad
    }, corpus.concat(['<@1>']))
    expect(found).toEqual([])
    await blank.close()
  })

  it('renders 5,000 mixed messages in Chromium (report only)', async () => {
    const blank = await ann.context.newPage()
    await blank.addScriptTag({ content: await rendererBundle() })
    const r = await blank.evaluate(async () => {
      const m = (window as any).markdownBench
      return { parse: await m.benchParse(5000), ...(await m.benchRender(5000)) }
    })
    const us = (x: { perMessageMs: number }) => `${(x.perMessageMs * 1000).toFixed(1)} µs/message`
    console.info(
      `markdown (Chromium): 5,000 mixed messages: markdown-it + highlight.js ${us(r.parse)}; ` +
        `first render incl. DOMPurify ${r.cold.ms.toFixed(0)} ms (${us(r.cold)}); memoised ${us(r.memoised)}`,
    )
    expect(r.cold.n).toBe(5000)
    await blank.close()
  })
})
