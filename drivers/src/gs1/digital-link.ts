/**
 * GS1 Digital Link URIs (GS1 Digital Link Standard 1.2, §4 URI syntax): any domain, a path
 * `/{primary key AI}/{value}[/{qualifier AI}/{value}…]` possibly after a custom path prefix,
 * and further AIs as query parameters (`?17=201225`).
 */
import { AI_TABLE } from './ai-table.js';
import { type ElementsResult, type Gs1Element, validateValue } from './element-string.js';

// Primary keys allowed at the start of the AI path (§4.1, Table 4-1).
const PRIMARY_KEYS = new Set([
  '00',
  '01',
  '253',
  '255',
  '401',
  '402',
  '414',
  '417',
  '8003',
  '8004',
  '8006',
  '8010',
  '8013',
  '8017',
  '8018',
]);

// Convenience alphas of Digital Link 1.0 that older labels still carry.
const ALPHAS: Record<string, string> = {
  gtin: '01',
  sscc: '00',
  cpv: '22',
  lot: '10',
  ser: '21',
  exp: '17',
  bbd: '15',
};

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export function isHttpUri(data: string): boolean {
  return /^https?:\/\//i.test(data);
}

/** Extracts the element string carried by a Digital Link URI. */
export function parseDigitalLink(uri: string): ElementsResult {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, reason: 'not a valid URI' };
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const toAi = (key: string): string => ALPHAS[key] ?? key;
  const start = segments.findIndex((s, i) => PRIMARY_KEYS.has(toAi(s)) && i + 1 < segments.length);
  if (start === -1)
    return { ok: false, reason: 'URI is not a GS1 Digital Link (no primary key in its path)' };
  const pairs: [string, string][] = [];
  for (let i = start; i < segments.length; i += 2) {
    const value = segments[i + 1];
    if (value === undefined) return { ok: false, reason: `AI ${segments[i]} has no value in the path` };
    pairs.push([toAi(segments[i] ?? ''), value]);
  }
  for (const [key, value] of url.searchParams) {
    const ai = toAi(key);
    // Non-AI parameters (tracking, linkType…) are allowed and carry no GS1 data.
    if (AI_TABLE.has(ai)) pairs.push([ai, value]);
  }
  const elements: Gs1Element[] = [];
  for (const [ai, encoded] of pairs) {
    const def = AI_TABLE.get(ai);
    if (!def) return { ok: false, reason: `unknown GS1 AI (${ai}) in Digital Link` };
    let value = safeDecode(encoded);
    if (value === undefined) return { ok: false, reason: `(${ai}) is not valid percent-encoding` };
    // A GTIN in a Digital Link may be written as GTIN-8/12/13 (§4.6): pad to GTIN-14.
    if (ai === '01' && /^\d{8}$|^\d{12,13}$/.test(value)) value = value.padStart(14, '0');
    const invalid = validateValue(def, value);
    if (invalid) return { ok: false, reason: invalid };
    elements.push({ ai, value });
  }
  return { ok: true, elements };
}
