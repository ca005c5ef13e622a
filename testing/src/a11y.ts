// axe-core in a page: the serious and critical accessibility findings both consoles' browser tests assert on.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

let axeSource: string | null = null;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * Runs axe-core on the page as it is; answers its serious and critical violations (WCAG 2.x A/AA
 * rules and best practice), one line each. axe is evaluated through the DevTools protocol, not
 * added as a <script>: the head-office console's CSP allows no inline script.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Runs in the page; typed without the DOM library (this package is Node code).
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const w = globalThis as unknown as {
      axe: { run(ctx: unknown, opts: object): Promise<{ violations: unknown[] }> };
      document: unknown;
    };
    const r = await w.axe.run(w.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations;
  })) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
