/**
 * Fills a console message: `{name}` takes a variable, and `{name, plural, one {…} other {…}}`
 * (the ICU MessageFormat plural form) picks the text for the number by the language's
 * `Intl.PluralRules`, so "1 movement" / "2 movements" reads right in every language. Inside a
 * plural case `#` is the number, formatted; `=0 {…}` matches an exact value first.
 * Pure (no DOM), so the tests check every message of every language with it.
 */
export type Vars = Record<string, string | number>;

export function formatMessage(text: string, vars: Vars, lang: string, num: (n: number) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, open);
    const close = matching(text, open);
    if (close < 0) {
      out += text.slice(open);
      break;
    }
    out += placeholder(text.slice(open + 1, close), text.slice(open, close + 1), vars, lang, num);
    i = close + 1;
  }
  return out;
}

function placeholder(
  body: string,
  raw: string,
  vars: Vars,
  lang: string,
  num: (n: number) => string,
): string {
  const plural = /^\s*(\w+)\s*,\s*plural\s*,/.exec(body);
  if (!plural) {
    const v = vars[body.trim()];
    return v === undefined ? raw : typeof v === 'number' ? num(v) : v;
  }
  const v = vars[plural[1] ?? ''];
  if (typeof v !== 'number') return raw;
  const cases = pluralCases(body.slice(plural[0].length));
  const chosen = cases.get(`=${v}`) ?? cases.get(new Intl.PluralRules(lang).select(v)) ?? cases.get('other');
  if (chosen === undefined) return raw;
  return formatMessage(chosen.replaceAll('#', num(v)), vars, lang, num);
}

/** `one {…} other {…}` → selector → text. */
export function pluralCases(spec: string): Map<string, string> {
  const cases = new Map<string, string>();
  let i = 0;
  for (;;) {
    const open = spec.indexOf('{', i);
    if (open < 0) break;
    const selector = spec.slice(i, open).trim();
    const close = matching(spec, open);
    if (close < 0 || !selector) break;
    cases.set(selector, spec.slice(open + 1, close));
    i = close + 1;
  }
  return cases;
}

function matching(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  return -1;
}
