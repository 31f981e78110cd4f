// Syntax highlighting for fenced code blocks: highlight.js core with the handful of languages a
// team chat pastes most, registered by hand to keep the bundle small. Languages not listed here
// (and fences without a language) render as plain, escaped code; nothing is auto-detected.

import hljs from 'highlight.js/lib/core'
import bash from 'highlight.js/lib/languages/bash'
import css from 'highlight.js/lib/languages/css'
import diff from 'highlight.js/lib/languages/diff'
import go from 'highlight.js/lib/languages/go'
import java from 'highlight.js/lib/languages/java'
import javascript from 'highlight.js/lib/languages/javascript'
import json from 'highlight.js/lib/languages/json'
import python from 'highlight.js/lib/languages/python'
import rust from 'highlight.js/lib/languages/rust'
import shell from 'highlight.js/lib/languages/shell'
import sql from 'highlight.js/lib/languages/sql'
import typescript from 'highlight.js/lib/languages/typescript'
import xml from 'highlight.js/lib/languages/xml'
import yaml from 'highlight.js/lib/languages/yaml'

const languages = { bash, css, diff, go, java, javascript, json, python, rust, shell, sql, typescript, xml, yaml }
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang)

/**
 * The canonical name of a fence's language ("ts" → "typescript", "html" → "xml"), or undefined
 * when it is not one of ours. Aliases come from the language definitions themselves.
 */
export function languageOf(info: string): string | undefined {
  const name = info.trim().toLowerCase()
  if (!name || !hljs.getLanguage(name)) return undefined
  return Object.keys(languages).find((k) => k === name || hljs.getLanguage(k) === hljs.getLanguage(name))
}

/** Highlighted HTML for code in a registered language: escaped text and <span class="hljs-…">. */
export function highlight(code: string, language: string): string {
  return hljs.highlight(code, { language, ignoreIllegals: true }).value
}
