// @vitest-environment jsdom
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { loadHighlighter, renderMessage, type MentionContext } from './markdown'

const names: Record<number, string> = { 1: 'Ann Archer', 2: 'Ben Baker' }
const ctx: MentionContext = { me: 1, name: (id) => names[id] }
const render = (text: string) => renderMessage(text, ctx)
const rel = 'target="_blank" rel="noopener noreferrer nofollow"'

/** The rendered message as a DOM fragment, for questions about structure. */
function dom(text: string): DocumentFragment {
  const t = document.createElement('template')
  t.innerHTML = render(text)
  return t.content
}

beforeAll(() => loadHighlighter())

describe('inline formatting', () => {
  it('renders emphasis, strong and strikethrough', () => {
    expect(render('*a* _b_ **c** __d__ ~~e~~')).toBe('<p><em>a</em> <em>b</em> <strong>c</strong> <strong>d</strong> <s>e</s></p>')
  })

  it('renders code spans with their content as text', () => {
    expect(render('run `rm -rf <dir> **x**`')).toBe('<p>run <code>rm -rf &lt;dir&gt; **x**</code></p>')
  })

  it('makes a single newline a line break', () => {
    expect(render('first line\nsecond line')).toBe('<p>first line<br>\nsecond line</p>')
  })

  it('shows raw HTML as text', () => {
    expect(render('<b>hi</b> <br>')).toBe('<p>&lt;b&gt;hi&lt;/b&gt; &lt;br&gt;</p>')
  })

  it('leaves typography alone', () => {
    expect(render('"quotes" -- (c) ...')).toBe('<p>"quotes" -- (c) ...</p>')
  })
})

describe('blocks', () => {
  it('renders fenced code with highlighting for a known language', () => {
    const f = dom('```go\nfunc main() {}\n```')
    const code = f.querySelector('pre > code')!
    expect(code.className).toBe('hljs language-go')
    expect(code.querySelector('.hljs-keyword')?.textContent).toBe('func')
    expect(code.textContent).toBe('func main() {}\n')
  })

  it('knows languages by their aliases', () => {
    expect(dom('```ts\nconst a = 1\n```').querySelector('code')!.className).toBe('hljs language-typescript')
    expect(dom('```html\n<p>x</p>\n```').querySelector('code')!.className).toBe('hljs language-xml')
    expect(dom('```sh\nls\n```').querySelector('code')!.className).toBe('hljs language-bash')
  })

  it('renders other fences as plain code', () => {
    expect(render('```\n<b>x</b>\n```')).toBe('<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>')
    expect(render('```cobol\nDISPLAY 1\n```')).toBe('<pre><code>DISPLAY 1\n</code></pre>')
  })

  it('renders lists', () => {
    expect(render('- a\n- b')).toBe('<ul>\n<li>a</li>\n<li>b</li>\n</ul>')
    expect(render('3. c\n4. d')).toBe('<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>')
  })

  it('renders block quotes', () => {
    expect(render('> quoted\n> twice\n\nafter')).toBe('<blockquote>\n<p>quoted<br>\ntwice</p>\n</blockquote>\n<p>after</p>')
  })

  it('renders ATX headings as bold paragraphs, and no setext headings or tables', () => {
    expect(render('# Title *x*')).toBe('<p><strong>Title <em>x</em></strong></p>')
    expect(render('text\n---')).toBe('<p>text</p>\n<hr>')
    expect(dom('| a | b |\n|---|---|\n| 1 | 2 |').querySelector('table')).toBeNull()
  })
})

describe('links', () => {
  it('gives every link target and rel', () => {
    expect(render('[docs](https://example.com/a?b=1)')).toBe(`<p><a href="https://example.com/a?b=1" ${rel}>docs</a></p>`)
    expect(render('<https://example.com>')).toBe(`<p><a href="https://example.com" ${rel}>https://example.com</a></p>`)
    expect(render('[mail](mailto:ann@example.com)')).toBe(`<p><a href="mailto:ann@example.com" ${rel}>mail</a></p>`)
  })

  it('makes bare URLs, www. links and emails clickable, but not file names', () => {
    const links = [...dom('see https://example.com/x, www.example.org and ann@example.com; README.md, main.go').querySelectorAll('a')]
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/x', 'http://www.example.org', 'mailto:ann@example.com'])
    expect(links.every((a) => a.target === '_blank' && a.rel === 'noopener noreferrer nofollow')).toBe(true)
  })

  it('renders images as links and loads nothing', () => {
    expect(render('![diagram](https://example.com/d.png)')).toBe(`<p><a href="https://example.com/d.png" ${rel}>diagram</a></p>`)
    expect(render('![](https://example.com/d.png)')).toBe(`<p><a href="https://example.com/d.png" ${rel}>https://example.com/d.png</a></p>`)
  })

  const dropped = [
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'java\tscript:alert(1)',
    '&#106;avascript:alert(1)',
    'data:text/html;base64,PHNjcmlwdD4=',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'ftp://example.com/x',
    '/relative/path',
    '//example.com/protocol-relative',
  ]
  it.each(dropped)('drops %j in every link syntax, leaving text', (url) => {
    for (const text of [`[x](${url})`, `[x](<${url}>)`, `<${url}>`, `![x](${url})`, `[x][r]\n\n[r]: ${url}`, `see ${url} here`]) {
      const f = dom(text)
      expect(f.querySelector('a'), text).toBeNull()
      expect(f.textContent!.length, text).toBeGreaterThan(0)
    }
  })
})

describe('mentions', () => {
  it('renders a user by name', () => {
    expect(render('hi <@2>!')).toBe('<p>hi <span class="mention">@Ben Baker</span>!</p>')
  })

  it('highlights a mention of the reader', () => {
    expect(render('<@1>')).toBe('<p><span class="mention mention-me">@Ann Archer</span></p>')
  })

  it('renders @here and @channel, highlighted: they mention the reader too', () => {
    expect(render('<!here> <!channel>')).toBe('<p><span class="mention mention-me">@here</span> <span class="mention mention-me">@channel</span></p>')
  })

  it('names an unknown user by id', () => {
    expect(render('<@42>')).toBe('<p><span class="mention">@user 42</span></p>')
  })

  it('stays literal inside code and when escaped', () => {
    expect(render('`<@2>` and `<!here>`')).toBe('<p><code>&lt;@2&gt;</code> and <code>&lt;!here&gt;</code></p>')
    expect(render('```\n<@2>\n```')).toBe('<pre><code>&lt;@2&gt;\n</code></pre>')
    expect(render('\\<@2>')).toBe('<p>&lt;@2&gt;</p>')
  })

  it('leaves anything else that looks like one as text', () => {
    expect(render('<@> <@x> <!everyone> <@2 >')).toBe('<p>&lt;@&gt; &lt;@x&gt; &lt;!everyone&gt; &lt;@2 &gt;</p>')
  })

  it('works inside other formatting', () => {
    expect(render('**<@2>** > no\n> <@2>')).toContain('<strong><span class="mention">@Ben Baker</span></strong>')
  })

  it('re-renders when a name becomes known, and not before', () => {
    const known: Record<number, string> = {}
    const c: MentionContext = { me: 1, name: (id) => known[id] }
    expect(renderMessage('ping <@7>', c)).toContain('@user 7')
    known[7] = 'Gus'
    expect(renderMessage('ping <@7>', c)).toContain('@Gus')
  })
})

describe('memoisation and the lazy highlighter', () => {
  it('returns the same string for the same text', () => {
    const a = render('**same** text')
    expect(render('**same** text')).toBe(a)
  })

  it('renders code plain until highlight.js is in, then highlighted', async () => {
    vi.resetModules()
    const fresh = await import('./markdown')
    const text = '```go\npackage main\n```'
    expect(fresh.renderMessage(text, ctx)).toBe('<pre><code>package main\n</code></pre>')
    await fresh.loadHighlighter()
    expect(fresh.renderMessage(text, ctx)).toContain('<code class="hljs language-go"><span class="hljs-keyword">package</span>')
  })
})
