// A benchmark of message rendering, shared by a vitest test (markdown-it in Node) and the
// Chromium end-to-end tests (the whole pipeline, DOMPurify included, in a real browser), which
// bundle this file for a blank page and also run the XSS corpus through its renderMessage.
// The client never imports it.

import { loadHighlighter, markdownToHtml, renderMessage, type MentionContext } from './markdown'

const ctx: MentionContext = { me: 1, name: (id) => (id % 3 ? `Person ${id}` : undefined) }

const shapes: ((i: number) => string)[] = [
  (i) => `plain message number ${i}, nothing special in it`,
  (i) => `**bold** and _italic_ and ~~gone~~ in message ${i}`,
  (i) => `see https://example.com/issues/${i} and [the docs](https://example.com/docs#${i})`,
  (i) => `<@${i % 50}> can you look at \`thing_${i}()\`? <!here>`,
  (i) => `- item ${i}\n- item ${i + 1}\n  1. nested\n  2. more`,
  (i) => `> quoted ${i}\n> on two lines\n\nmy answer`,
  (i) => '```go\nfunc f' + i + '(x int) error {\n\treturn fmt.Errorf("bad %d", x)\n}\n```',
  (i) => '```ts\nconst n' + i + ': number = [1, 2, 3].map((x) => x * 2).length\n```\nlike this',
  (i) => `line one of ${i}\nline two\nline three`,
  (i) => `short ${i}`,
]

/** n distinct messages, a tenth of each shape above. */
export function benchMessages(n: number): string[] {
  return Array.from({ length: n }, (_, i) => shapes[i % shapes.length](i))
}

export interface BenchResult {
  n: number
  ms: number // total
  perMessageMs: number
}

function run(n: number, render: (text: string) => string, messages = benchMessages(n)): BenchResult {
  let bytes = 0
  const t = performance.now()
  for (const m of messages) bytes += render(m).length
  const ms = performance.now() - t
  if (!bytes) throw new Error('nothing rendered')
  return { n, ms, perMessageMs: ms / n }
}

/** markdown-it and highlight.js alone: the part that costs the same with or without a DOM. */
export async function benchParse(n: number): Promise<BenchResult> {
  await loadHighlighter()
  return run(n, (m) => markdownToHtml(m, ctx))
}

/** What the client does: first render (parse, highlight, sanitise), then memoised renders. */
export async function benchRender(n: number): Promise<{ cold: BenchResult; memoised: BenchResult }> {
  await loadHighlighter()
  const messages = benchMessages(n)
  const cold = run(n, (m) => renderMessage(m, ctx), messages)
  const memoised = run(n, (m) => renderMessage(m, ctx), messages)
  return { cold, memoised }
}

export { renderMessage } // for the corpus run in Chromium
