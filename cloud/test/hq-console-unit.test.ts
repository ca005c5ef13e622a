// The head-office console's pure parts, in Node: its texts in every language, and PKCE's S256.
import { describe, expect, it } from 'vitest';
import { s256 } from '../console/src/auth.js';
import { formatMessage, pluralCases } from '../console/src/format.js';
import { de, en, es } from '../console/src/messages/index.js';

const LANGS = { en, de, es } as const;
const num = (lang: string) => (n: number) => new Intl.NumberFormat(lang).format(n);
const fill = (lang: keyof typeof LANGS, key: keyof typeof en, vars: Record<string, string | number>) =>
  formatMessage(LANGS[lang][key], vars, lang, num(lang));

/** The variables a message uses, plural or plain (a plural's case texts searched too). */
function variables(text: string): string[] {
  const found = new Set<string>();
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{' && depth++ === 0) start = i + 1;
    else if (text[i] === '}' && --depth === 0) {
      const body = text.slice(start, i);
      const plural = /^\s*(\w+)\s*,\s*plural\s*,/.exec(body);
      if (!plural) found.add(body.trim());
      else {
        found.add(plural[1] ?? '');
        for (const c of pluralCases(body.slice(plural[0].length)).values())
          for (const v of variables(c)) found.add(v);
      }
    }
  }
  return [...found].sort();
}

describe('head-office console messages', () => {
  it('counts stores and seconds with the plural of each language', () => {
    expect(fill('en', 'fleet.summary', { n: 1 })).toBe('1 store');
    expect(fill('en', 'fleet.summary', { n: 1000 })).toBe('1,000 stores');
    expect(fill('de', 'fleet.summary', { n: 1000 })).toBe('1.000 Filialen');
    expect(fill('es', 'fleet.summary', { n: 1 })).toBe('1 tienda');
    expect(fill('de', 'problem.rateLimited', { seconds: 1 })).toBe(
      'Zu viele Anfragen. Versuchen Sie es in 1 Sekunde erneut.',
    );
    expect(fill('es', 'fleet.showing', { n: 3, total: 1200 })).toBe('Se muestran 3 de 1200 tiendas.');
  });

  for (const [lang, dict] of Object.entries(LANGS)) {
    it(`${lang}: every message uses the same variables as English and every plural has an "other" case`, () => {
      for (const [key, text] of Object.entries(dict)) {
        expect(variables(text), `${lang} ${key}`).toEqual(variables(en[key as keyof typeof en]));
        for (const m of text.matchAll(/\{\s*\w+\s*,\s*plural\s*,([\s\S]*)\}/g))
          expect(pluralCases(m[1] ?? '').has('other'), `${lang} ${key}`).toBe(true);
      }
      expect(Object.keys(dict).sort()).toEqual(Object.keys(en).sort());
    });
  }
});

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 Appendix B', async () => {
    expect(await s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});
