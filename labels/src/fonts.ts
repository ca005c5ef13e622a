import { readFileSync } from 'node:fs';

/**
 * A Unicode TrueType font for PDF labels. pdfkit's built-in fonts are Latin-1 only (WinAnsi),
 * so names in Greek, Cyrillic, … need a TTF: `STORE_EDGE_LABEL_FONT` (and
 * `STORE_EDGE_LABEL_FONT_BOLD`), else DejaVu Sans from Debian's `fonts-dejavu-core`.
 * Without any, labels fall back to Helvetica and characters outside Latin-1 print as `?`.
 */
export interface LabelFonts {
  regular: Buffer | null;
  bold: Buffer | null;
  source: string;
}

const CANDIDATES: ReadonlyArray<readonly [string, string]> = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'],
];

let cached: LabelFonts | undefined;

export function labelFonts(env: NodeJS.ProcessEnv = process.env): LabelFonts {
  if (cached && env === process.env) return cached;
  const found = findFonts(env);
  if (env === process.env) cached = found;
  return found;
}

function findFonts(env: NodeJS.ProcessEnv): LabelFonts {
  const configured = env.STORE_EDGE_LABEL_FONT;
  const pairs: ReadonlyArray<readonly [string, string | undefined]> = configured
    ? [[configured, env.STORE_EDGE_LABEL_FONT_BOLD], ...CANDIDATES]
    : CANDIDATES;
  for (const [regularPath, boldPath] of pairs) {
    const regular = read(regularPath);
    if (!regular) continue;
    return { regular, bold: (boldPath && read(boldPath)) || regular, source: regularPath };
  }
  return { regular: null, bold: null, source: 'Helvetica (built-in, Latin-1 only)' };
}

function read(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

const LATIN1_EXTRAS = new Set(['€', '–', '—', '‘', '’', '“', '”', '…', '•']);

/** What Helvetica can show: Latin-1 and the euro sign; anything else becomes `?`. */
export function toLatin1(text: string): string {
  let out = '';
  for (const ch of text) out += ch.charCodeAt(0) <= 0xff || LATIN1_EXTRAS.has(ch) ? ch : '?';
  return out;
}
