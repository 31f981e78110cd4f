// axe-core inside the Chromium e2e tests. The app's Content-Security-Policy forbids inline
// scripts, so axe is not added as a <script>: its source is evaluated through the DevTools
// protocol (page.evaluate), which the page's policy does not govern and which reports no
// violation. A check fails on any critical or serious violation of WCAG 2.0–2.2 A/AA.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[]; failureSummary?: string }[]
}

/** Every screen checked in this run, with what axe found (critical and serious fail). */
export const axeLog: { screen: string; violations: number; passes: number }[] = []

/** Runs axe on the page as it is now and throws on critical or serious violations. */
export async function checkA11y(page: Page, screen: string) {
  const loaded = await page.evaluate(() => typeof (window as any).axe?.run === 'function')
  if (!loaded) await page.evaluate(source)
  const result = await page.evaluate(
    async (tags) => {
      const r = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
      return {
        passes: r.passes.length as number,
        violations: (r.violations as AxeViolation[]).map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
        })),
      }
    },
    tags,
  )
  const bad = result.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious')
  axeLog.push({ screen, violations: result.violations.length, passes: result.passes })
  if (bad.length) {
    const text = bad
      .map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n` + v.nodes.map((n) => `      ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`).join('\n'))
      .join('\n')
    throw new Error(`axe on "${screen}": ${bad.length} critical/serious violation(s):\n${text}`)
  }
}
