// Message text → safe HTML. The server stores what people typed; the client renders a chat
// flavour of CommonMark with markdown-it:
//
//   - emphasis, strong, ~~strikethrough~~, `code`, fenced code blocks (highlighted), lists,
//     block quotes, links and bare URLs; a single newline is a line break;
//   - `# headings` render as bold paragraphs (chat, not documents); setext headings and tables
//     are off, so "text\n---" is a paragraph and a rule;
//   - raw HTML is never HTML: it shows as the text it is;
//   - links, autolinks and images keep only absolute http(s) and mailto URLs (anything else,
//     relative and protocol-relative URLs included, stays plain text); images render as links
//     and nothing remote is ever loaded; every link opens in a new tab with
//     rel="noopener noreferrer nofollow";
//   - mention tokens written by the server, <@42>, <!here> and <!channel>, render as chips;
//     inside code they stay literal.
//
// The result goes through DOMPurify with an allow-list of exactly the tags and attributes
// emitted here, as a second line of defence, and is memoised: a message is rendered once.
// highlight.js is a separate chunk, loaded with the first fenced block that names a language;
// until it arrives such blocks show plain and are not memoised, and `renderMessage` re-runs
// in any Vue computed that called it (it reads a ref that flips once the chunk is in).

import DOMPurify from 'dompurify'
import MarkdownIt from 'markdown-it'
import type { MarkdownIt as Markdown, StateInline } from 'markdown-it'
import { shallowRef } from 'vue'

/** Who is reading, and how to name the people a message mentions. */
export interface MentionContext {
  me: number
  name(id: number): string | undefined
}

const linkRel = 'noopener noreferrer nofollow'
const allowedUrl = /^(?:https?:\/\/[^\s/?#]|mailto:[^\s])/i

// ---- highlighting, loaded on demand ----

let highlighter: typeof import('./highlight') | null = null
let loading: Promise<void> | null = null
let waiting = false // the message being rendered has a block waiting for the highlighter
const highlighterSettled = shallowRef(false)

/** Loads highlight.js (once); resolves when it is in, or failed to load and code stays plain. */
export function loadHighlighter(): Promise<void> {
  loading ??= import('./highlight')
    .then((m) => void (highlighter = m))
    .catch(() => {})
    .finally(() => void (highlighterSettled.value = true))
  return loading
}

function fence(code: string, info: string): string {
  const lang = highlighter?.languageOf(info)
  if (highlighter && lang) return `<pre><code class="hljs language-${lang}">${highlighter.highlight(code, lang)}</code></pre>`
  if (info.trim() && !highlighterSettled.value) {
    waiting = true
    void loadHighlighter()
  }
  return `<pre><code>${md.utils.escapeHtml(code)}</code></pre>`
}

// ---- markdown ----

const md: Markdown = new MarkdownIt({
  html: false,
  linkify: true,
  typographer: false,
  breaks: true,
  highlight: fence,
})
md.disable(['table', 'lheading'])
// Bare example.com links only for a few common domains, so file names like README.md stay text.
md.linkify.set({ fuzzyLink: true }).tlds(['com', 'org', 'net', 'io', 'dev', 'app', 'edu', 'gov'])
md.validateLink = (url) => allowedUrl.test(url)

// ---- mentions ----

const mentionRe = /^<(?:@(\d{1,15})|!(here|channel))>/

/** Turns <@42>, <!here> and <!channel> into mention tokens. Code spans are parsed before. */
function mention(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x3c /* < */) return false
  const m = mentionRe.exec(state.src.slice(state.pos, state.pos + 20))
  if (!m) return false
  if (!silent) {
    const t = state.push('mention', '', 0)
    t.meta = m[1] ? { user: Number(m[1]) } : { group: m[2] }
    t.markup = m[0]
  }
  state.pos += m[0].length
  return true
}
md.inline.ruler.before('autolink', 'mention', mention)

md.renderer.rules.mention = (tokens, idx, _opts, env) => {
  const { user, group } = tokens[idx].meta as { user?: number; group?: string }
  const ctx = env?.mentions as MentionContext | undefined
  const self = group !== undefined || user === ctx?.me
  const label = group ?? ctx?.name(user!) ?? `user ${user}`
  return `<span class="mention${self ? ' mention-me' : ''}">@${md.utils.escapeHtml(label)}</span>`
}

// ---- links, images, headings ----

md.renderer.rules.link_open = (tokens, idx, opts, _env, self) => {
  tokens[idx].attrSet('target', '_blank')
  tokens[idx].attrSet('rel', linkRel)
  return self.renderToken(tokens, idx, opts)
}

md.renderer.rules.image = (tokens, idx, opts, env, self) => {
  const t = tokens[idx]
  const href = md.utils.escapeHtml(String(t.attrGet('src') ?? ''))
  const alt = self.renderInlineAsText(t.children ?? [], opts, env)
  const text = md.utils.escapeHtml(alt) || href
  return `<a href="${href}" target="_blank" rel="${linkRel}">${text}</a>`
}

md.renderer.rules.heading_open = () => '<p><strong>'
md.renderer.rules.heading_close = () => '</strong></p>\n'

/** markdown-it's HTML for a message, before sanitising. Exported for tests. */
export function markdownToHtml(text: string, mentions: MentionContext): string {
  return md.render(text, { mentions }).trimEnd()
}

// ---- sanitising ----

const purify = DOMPurify()
const purifyConfig = {
  ALLOWED_TAGS: ['a', 'blockquote', 'br', 'code', 'em', 'hr', 'li', 'ol', 'p', 'pre', 's', 'span', 'strong', 'ul'],
  ALLOWED_ATTR: ['class', 'href', 'rel', 'start', 'target', 'title'],
  ALLOWED_URI_REGEXP: /^(?:https?|mailto):/i, // checked on every attribute but these:
  ADD_URI_SAFE_ATTR: ['rel', 'start', 'target'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
}
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.nodeName !== 'A') return
  if (!node.hasAttribute('href')) node.removeAttribute('target')
  else {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', linkRel)
  }
})

/** Sanitised HTML for a message, or the escaped text where no DOM is available to sanitise with. */
function sanitize(html: string, text: string): string {
  if (!purify.isSupported) return `<p>${md.utils.escapeHtml(text)}</p>`
  return purify.sanitize(html, purifyConfig)
}

// ---- memo ----

const memoLimit = 10_000
const memo = new Map<string, string>()

/**
 * The HTML to bind with v-html for a message's text. Memoised by the text, the reader and the
 * names it mentions, so a name arriving later re-renders the messages that mention it.
 */
export function renderMessage(text: string, mentions: MentionContext): string {
  void highlighterSettled.value // a dependency of the caller's computed
  let key = String(mentions.me)
  if (text.includes('<@')) {
    for (const m of text.matchAll(/<@(\d{1,15})>/g)) key += '\u0000' + (mentions.name(Number(m[1])) ?? '')
  }
  key += '\u0001' + text
  let html = memo.get(key)
  if (html !== undefined) {
    memo.delete(key) // re-inserted: most recently used last
  } else {
    waiting = false
    html = sanitize(markdownToHtml(text, mentions), text)
    if (waiting) return html
    if (memo.size >= memoLimit) memo.delete(memo.keys().next().value!)
  }
  memo.set(key, html)
  return html
}
