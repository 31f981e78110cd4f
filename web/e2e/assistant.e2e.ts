// The assistant in Chromium: /summarize typed in the composer of a channel the bot is in
// streams its answer into the conversation (the bot badge, "Answering…", then the final text),
// against a stand-in of the OpenAI Chat Completions streaming format (no model runs here).

import { createServer, type Server as HTTPServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertNoCSPViolations, browserAvailable, startServer, until, type Server } from './harness'
import { person, rest, signUpNew, type Person } from './people'

const answer = 'Summary: the team ships on Friday after the review.'

/** A stand-in model: data: chunks of answer's words 150 ms apart, then [DONE]. */
function standIn(prompts: string[]): Promise<{ url: string; close(): void }> {
  const srv: HTTPServer = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', async () => {
      const r = JSON.parse(body) as { model: string; messages: { content: string }[] }
      prompts.push(r.messages.map((m) => m.content).join('\n'))
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', model: r.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
      for (const w of answer.split(/(?<= )/)) {
        res.write(chunk({ content: w }, null))
        await new Promise((ok) => setTimeout(ok, 150))
      }
      res.write(chunk({}, 'stop'))
      res.end('data: [DONE]\n\n')
    })
  })
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1`, close: () => srv.close() })))
}

const run = browserAvailable()

describe.skipIf(!run)('the assistant in Chromium', () => {
  let server: Server
  let model: { url: string; close(): void }
  let ann: Person
  const prompts: string[] = []

  beforeAll(async () => {
    model = await standIn(prompts)
    server = await startServer({ FECHATTER_AI_URL: model.url, FECHATTER_AI_MODEL: 'standin-1', FECHATTER_AI_STREAM_INTERVAL: '20ms' })
    ann = await person('Ann Archer', 'ann@example.com')
  })

  afterEach(() => {
    if (ann) assertNoCSPViolations(ann.name, ann)
  })

  afterAll(async () => {
    await ann?.close()
    await server?.stop()
    model?.close()
  })

  it('/summarize streams an answer from the bot into the chat', async () => {
    const page = ann.page
    await signUpNew(server.url, ann, 'assistant')
    await page.getByTestId('new-chat').click()
    const dialog = page.getByRole('dialog')
    await dialog.locator('input[name=chat-name]').fill('release')
    await dialog.getByRole('button', { name: 'Create' }).click()
    await page.getByTestId('chat-title').filter({ hasText: 'release' }).waitFor()
    const box = page.getByTestId('composer')
    await box.fill('we ship on friday after the review')
    await box.press('Enter')
    await page.getByTestId('message-text').filter({ hasText: 'we ship on friday' }).waitFor()

    const info = await rest<{ enabled: boolean; bot: { id: number } }>(ann, 'GET', '/assistant')
    expect(info.body.enabled).toBe(true)
    const chatId = await page.evaluate(() => (window as any).__fechatter.state.activeChatId as number)
    expect((await rest(ann, 'POST', `/chats/${chatId}/members`, { user_ids: [info.body.bot.id] })).status).toBe(200)

    await box.fill('/summarize')
    await box.press('Enter')
    const bot = page.getByTestId('message').filter({ has: page.getByTestId('bot-badge') })
    await bot.getByTestId('answer-streaming').waitFor()
    // partial text shows while it streams, before the answer is complete
    await until('partial text', async () => {
      const t = await bot.getByTestId('message-text').innerText()
      return t.startsWith('Summary:') && t.length < answer.length
    })
    await bot.getByTestId('message-text').filter({ hasText: answer }).waitFor()
    await bot.getByTestId('answer-streaming').waitFor({ state: 'detached' })
    expect(await box.inputValue()).toBe('')
    expect(prompts.length).toBe(1)
    expect(prompts[0]).toContain('we ship on friday')
    expect(prompts[0]).toContain('Summarise')
  })
})
