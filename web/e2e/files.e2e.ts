// Attachments between two people in two Chromium profiles against the real binary: Ann drops
// an image on the composer, sees it upload with a progress bar and sends it; Ben sees the
// preview arrive and opens it in the lightbox. Nothing the page loads breaks the CSP.

import { crc32, deflateSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertNoCSPViolations, browserAvailable, startServer, type Server } from './harness'
import { inviteLink, person, signUpNew, signUpWithInvite, type Person } from './people'

const run = browserAvailable()

/** A width × height RGB PNG with a gradient, made here so the test ships no binary. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * (width * 3 + 1) + 1 + x * 3
      raw[o] = x % 256
      raw[o + 1] = y % 256
      raw[o + 2] = 180
    }
  }
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'binary'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

describe.skipIf(!run)('file attachments in Chromium', () => {
  let server: Server
  let ann: Person
  let ben: Person
  let chat = 0

  beforeAll(async () => {
    server = await startServer()
    ann = await person('Ann Archer', 'ann@example.com')
    ben = await person('Ben Baker', 'ben@example.com')
    await signUpNew(server.url, ann, 'Initech')
    await signUpWithInvite(ben, await inviteLink(ann), 'Initech')
    await ann.page.getByTestId('new-chat').click()
    const dialog = ann.page.getByRole('dialog')
    await dialog.locator('input[name=chat-name]').fill('design')
    await dialog.getByText('Ben Baker').click()
    await dialog.getByRole('button', { name: 'Create' }).click()
    await ann.page.getByTestId('chat-title').filter({ hasText: 'design' }).waitFor()
    chat = await ann.page.evaluate(() => (window as any).__fechatter.state.activeChatId)
    await ben.page.getByTestId(`chat-${chat}`).click()
    await ben.page.getByTestId('chat-title').waitFor()
  })

  afterEach(() => {
    for (const p of [ann, ben]) if (p) assertNoCSPViolations(p.name, p)
  })

  afterAll(async () => {
    await ann?.close()
    await ben?.close()
    await server?.stop()
  })

  it('uploads a dropped image with a progress bar, and the other person sees its preview', async () => {
    // Hold the upload's answer until the progress bar has been seen (loopback is too fast).
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    await ann.page.route('**/api/v1/chats/*/files', async (route) => {
      await held
      await route.continue()
    })

    const image = png(480, 320)
    const form = ann.page.locator('form').filter({ has: ann.page.getByTestId('composer') }).first()
    const dataTransfer = await ann.page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
      const dt = new DataTransfer()
      dt.items.add(new File([bytes], 'sketch.png', { type: 'image/png' }))
      return dt
    }, image.toString('base64'))
    await form.dispatchEvent('dragover', { dataTransfer })
    await form.dispatchEvent('drop', { dataTransfer })

    const upload = ann.page.getByTestId('upload').filter({ hasText: 'sketch.png' })
    await upload.getByTestId('upload-progress').waitFor({ state: 'visible' })
    expect(await upload.getAttribute('data-status')).toBe('uploading')
    release()
    await ann.page.getByTestId('upload').and(ann.page.locator('[data-status=done]')).waitFor()
    await ann.page.unroute('**/api/v1/chats/*/files')

    await ann.page.getByTestId('composer').fill('the new sketch')
    await ann.page.getByTestId('composer').press('Enter')
    await expect.poll(() => ann.page.getByTestId('attachment-tray').count()).toBe(0)

    // Ben's browser gets the message and loads the preview through a signed link.
    const row = ben.page.getByTestId('message').filter({ hasText: 'the new sketch' })
    const preview = row.getByTestId('file-preview')
    await preview.waitFor({ state: 'visible' })
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(320)
    expect(await preview.getAttribute('src')).toMatch(/^\/api\/v1\/files\/\d+\/thumbnail\?/)

    // The lightbox shows it at full size; Escape closes it.
    await row.getByTestId('file-image').click()
    const box = ben.page.getByTestId('lightbox')
    await box.waitFor()
    await expect.poll(() => box.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(480)
    await ben.page.keyboard.press('Escape')
    await box.waitFor({ state: 'detached' })
  })

  it('shows other files as chips that download', async () => {
    const form = ann.page.locator('form').filter({ has: ann.page.getByTestId('composer') }).first()
    const dataTransfer = await ann.page.evaluateHandle(() => {
      const dt = new DataTransfer()
      dt.items.add(new File(['<html><script>alert(1)</script></html>'], 'page.html', { type: 'text/html' }))
      return dt
    })
    await form.dispatchEvent('drop', { dataTransfer })
    await ann.page.getByTestId('upload').and(ann.page.locator('[data-status=done]')).waitFor()
    await ann.page.getByRole('button', { name: 'Send' }).click()
    const chip = ben.page.getByTestId('file-chip').filter({ hasText: 'page.html' })
    await chip.waitFor()
    await expect.poll(() => chip.getAttribute('href')).toMatch(/^\/api\/v1\/files\/\d+\?/)
    const headers = await ben.page.evaluate(async (href) => {
      const r = await fetch(href!)
      return { disposition: r.headers.get('content-disposition'), type: r.headers.get('content-type') }
    }, await chip.getAttribute('href'))
    expect(headers.disposition).toMatch(/^attachment/)
    expect(headers.type).toBe('application/octet-stream')
  })
})
