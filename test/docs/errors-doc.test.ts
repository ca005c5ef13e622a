import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUD_PROBLEMS, type CloudProblemEntry } from '../../cloud/src/problem.js';
import { EDGE_ERRORS, ErrorCode, errorCodeName } from '../../edge-agent/src/errors.js';
import { errorsDocPath, renderErrorsDoc } from '../../scripts/errors-doc.js';

const root = join(import.meta.dirname, '..', '..');

/** The production TypeScript under `dir` (no tests), with its text. */
function sources(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || /\.test\.tsx?$/.test(entry.name)) continue;
    const file = relative(root, join(entry.parentPath, entry.name));
    out.push({ file, text: readFileSync(join(root, file), 'utf8') });
  }
  return out;
}

/** The text of the call whose `(` is at `open`, up to its matching `)`, skipping string literals. */
function callArguments(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      i = end < 0 ? text.length : end;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

describe('docs/errors.md', () => {
  it('is what npm run docs:errors generates from the registries', () => {
    // On a failure: run `npm run docs:errors` and commit docs/errors.md.
    expect(readFileSync(errorsDocPath, 'utf8')).toBe(renderErrorsDoc());
  });

  it('lists every edge problem type and every cloud code, each with what it means', () => {
    const doc = renderErrorsDoc();
    for (const e of Object.values(EDGE_ERRORS)) {
      expect(doc).toContain(`\`${e.type}\``);
      expect(e.meaning.length).toBeGreaterThan(0);
    }
    for (const [code, e] of Object.entries(CLOUD_PROBLEMS as Record<string, CloudProblemEntry>)) {
      if (e.type !== 'about:blank') expect(doc).toContain(`\`${code}\``);
      expect(doc).toContain(`\`${e.type}\``);
    }
  });
});

describe('the edge error registry', () => {
  it('keeps the problem types clients already branch on (the type is stored, not made from the title)', () => {
    // The contract: every type the agent answered with before the registry, and no other. A new
    // type is added here on purpose; an existing one never changes.
    expect(new Set(Object.values(EDGE_ERRORS).map((e) => e.type))).toEqual(
      new Set([
        'validation',
        'bad-request',
        'error',
        'unauthorized',
        'forbidden',
        'not-found',
        'method-not-allowed',
        'payload-too-large',
        'unsupported-media-type',
        'too-many-requests',
        'internal',
        'invalid-id',
        'movement-id-reused',
        'unknown-code',
        'unknown-sku',
        'missing-item',
        'missing-ref',
        'missing-reason',
        'quantity-too-large',
        'not-enough-available-stock',
        'no-such-open-reservation',
        'ledger-restoring',
        'insufficient-storage',
        'gtin-conflict',
        'conflict',
        'label-data',
        'unknown-zone',
        'count-running',
        'count-finishing',
        'too-many-event-streams',
        'delivery-not-found',
        'delivery-closed',
        'transfer-id-reused',
        'transfer-not-found',
      ]),
    );
    // One type, one title (per status): a client reading `title` sees the same words for it.
    const titles = new Map<string, string>();
    for (const e of Object.values(EDGE_ERRORS)) {
      const key = `${e.type} ${e.status}`;
      expect(titles.get(key) ?? e.title, key).toBe(e.title);
      titles.set(key, e.title);
    }
  });

  it('has codes in their area range, each used by the code that can answer it', () => {
    const ranges: Record<string, [number, number]> = {
      Request: [100, 199],
      Internal: [199, 199],
      Auth: [200, 299],
      Ledger: [300, 399],
      Catalog: [400, 449],
      Users: [450, 499],
      Devices: [500, 599],
      Printing: [600, 699],
      Replication: [700, 799],
      Rfid: [800, 899],
      Scanning: [900, 999],
      Events: [1000, 1099],
      Deliveries: [1100, 1199],
    };
    const src = sources('edge-agent/src').filter((s) => !s.file.endsWith('edge-agent/src/errors.ts'));
    for (const code of Object.values(ErrorCode)) {
      const name = errorCodeName(code);
      const [lo, hi] = ranges[name.split('_')[0] as string] ?? [0, -1];
      expect(code >= lo && code <= hi, `${name} = ${code}`).toBe(true);
      // No dead entry: the docs list only what the agent can answer.
      expect(
        src.some((s) => s.text.includes(`ErrorCode.${name}`)),
        `ErrorCode.${name} is thrown nowhere`,
      ).toBe(true);
    }
    expect(new Set(Object.values(ErrorCode)).size).toBe(Object.values(ErrorCode).length);
  });

  it('is the only way the agent answers an error: no status or problem type is made anywhere else', () => {
    for (const { file, text } of sources('edge-agent/src')) {
      if (file.endsWith('edge-agent/src/errors.ts') || file.endsWith('edge-agent/src/http/problem.ts'))
        continue;
      expect(text, file).not.toMatch(/application\/problem\+json|store-edge\.dev\/problems/);
      // Domain errors carry codes: the old status-carrying classes are gone.
      expect(text, file).not.toMatch(/\bHttpProblem\b/);
      // Answers of 4xx/5xx that are not problems: the console's "not built" page (text/plain).
      for (const m of text.matchAll(/\.code\(\s*([45]\d\d)\s*\)/g)) {
        expect(`${file} ${m[1]}`).toBe('edge-agent/src/console/index.ts 503');
      }
    }
  });
});

describe('the cloud error registry', () => {
  const registry = CLOUD_PROBLEMS as Record<string, CloudProblemEntry>;
  const src = sources('cloud/src');

  it('has an entry for every code the cloud answers with', () => {
    const used = new Set<string>();
    for (const { text } of src) {
      for (const m of text.matchAll(/\bcode: '([a-z-]+)'/g)) used.add(m[1] as string);
      for (const m of text.matchAll(/cloudProblem\(\s*'([a-z-]+)'/g)) used.add(m[1] as string);
    }
    for (const code of used) expect(registry[code], `code '${code}'`).toBeDefined();
    expect(used.size).toBeGreaterThan(3);
  });

  it('has an about:blank entry for every plain answer (no code) with its status and title', () => {
    const plain = Object.values(registry).filter((e) => e.type === 'about:blank');
    const known = (status: number, title: string) =>
      plain.some((e) => e.status === status && e.title === title);
    let seen = 0;
    for (const { file, text } of src) {
      for (const m of text.matchAll(/new HttpProblem\(\s*(\d{3}),\s*'([^']+)'/g)) {
        if (/\bcode\b/.test(callArguments(text, m.index + 'new HttpProblem'.length))) continue;
        seen++;
        expect(known(Number(m[1]), m[2] as string), `${file}: ${m[1]} ${m[2]}`).toBe(true);
      }
      for (const m of text.matchAll(/type: '(about:blank)',\s*title: '([^']+)',\s*status: (\d{3})/g)) {
        seen++;
        expect(known(Number(m[3]), m[2] as string), `${file}: ${m[3]} ${m[2]}`).toBe(true);
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('keeps the types the edge and other clients branch on', () => {
    for (const [code, e] of Object.entries(registry)) {
      expect(e.type, code).toBe(e.type === 'about:blank' ? 'about:blank' : `urn:store-edge:problem:${code}`);
    }
  });
});
