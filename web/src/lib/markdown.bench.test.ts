// @vitest-environment jsdom
// How long markdown-it and highlight.js take for 5,000 mixed messages, and memoised renders.
// It reports and asserts no timing. The whole pipeline, DOMPurify included, is measured in
// Chromium by the end-to-end tests: jsdom's DOM is far slower than a browser's, so timing
// DOMPurify here would say little about the client.

import { expect, it } from 'vitest'
import { benchParse, benchRender, type BenchResult } from './markdown-bench'

const fmt = (r: BenchResult) => `${r.ms.toFixed(0)} ms, ${(r.perMessageMs * 1000).toFixed(1)} µs/message`

it('renders 5,000 mixed messages (report only)', { timeout: 60_000 }, async () => {
  const parse = await benchParse(5000)
  const { memoised } = await benchRender(500) // fills the memo for 500 (jsdom-slow), then hits it
  console.info(`markdown (Node): 5,000 messages through markdown-it + highlight.js: ${fmt(parse)}; memoised render: ${(memoised.perMessageMs * 1000).toFixed(1)} µs/message`)
  expect(parse.n).toBe(5000)
})
