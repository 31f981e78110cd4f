// @vitest-environment jsdom
// Every payload in xss-corpus.json, rendered, parsed back with the DOM and checked: only the
// tags the renderer emits, no event handlers, no src, and only http(s)/mailto hrefs. Both the
// markdown-it output alone and the sanitised output are checked, so each layer holds on its own.

import { beforeAll, describe, expect, it } from 'vitest'
import corpus from './xss-corpus.json'
import { loadHighlighter, markdownToHtml, renderMessage, type MentionContext } from './markdown'

const allowedTags = new Set(['A', 'BLOCKQUOTE', 'BR', 'CODE', 'EM', 'HR', 'LI', 'OL', 'P', 'PRE', 'S', 'SPAN', 'STRONG', 'UL'])
const allowedAttrs = new Set(['class', 'href', 'rel', 'start', 'target', 'title'])
const evil = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
const ctx: MentionContext = { me: 1, name: (id) => (id === 1 ? evil : undefined) }

/** Problems found in html, as readable strings; empty when it is safe. */
function problems(html: string): string[] {
  const t = document.createElement('template')
  t.innerHTML = html
  const found: string[] = []
  for (const el of t.content.querySelectorAll('*')) {
    if (!allowedTags.has(el.tagName)) found.push(`element <${el.tagName.toLowerCase()}>`)
    for (const a of el.attributes) {
      if (!allowedAttrs.has(a.name)) found.push(`attribute ${a.name} on <${el.tagName.toLowerCase()}>`)
    }
    const href = el.getAttribute('href')
    if (href !== null) {
      let protocol = ''
      try {
        protocol = new URL(href).protocol
      } catch {
        protocol = 'unparseable'
      }
      if (!['http:', 'https:', 'mailto:'].includes(protocol)) found.push(`href ${JSON.stringify(href)}`)
      if (el.getAttribute('target') !== '_blank' || el.getAttribute('rel') !== 'noopener noreferrer nofollow') found.push('link without target/rel')
    }
  }
  return found
}

beforeAll(() => loadHighlighter())

describe('the XSS corpus', () => {
  it('has a few dozen payloads', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40)
  })

  it.each(corpus.map((p, i) => [i, p]))('payload %i is harmless from markdown-it alone: %s', (_i, payload) => {
    expect(problems(markdownToHtml(payload, ctx))).toEqual([])
  })

  it.each(corpus.map((p, i) => [i, p]))('payload %i is harmless after sanitising: %s', (_i, payload) => {
    expect(problems(renderMessage(payload, ctx))).toEqual([])
  })

  it('finds what it looks for (the checker itself)', () => {
    expect(problems('<img src=x onerror=alert(1)>')).toEqual(['element <img>', 'attribute src on <img>', 'attribute onerror on <img>'])
    expect(problems('<a href="javascript:alert(1)" target="_blank" rel="noopener noreferrer nofollow">x</a>')).toEqual(['href "javascript:alert(1)"'])
    expect(problems('<a href="https://ok.example">x</a>')).toEqual(['link without target/rel'])
  })

  it('escapes a display name full of markup in a mention chip', () => {
    const html = renderMessage('hi <@1>', ctx)
    expect(problems(html)).toEqual([])
    const t = document.createElement('template')
    t.innerHTML = html
    expect(t.content.querySelector('.mention')?.textContent).toBe('@' + evil)
  })
})
