import { describe, expect, it } from 'vitest';
import { formatMessage, pluralCases } from '../console/src/format.js';
import { de, en, es } from '../console/src/messages.js';

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

describe('console messages', () => {
  it('says "1 movement" and "2 movements", in every language', () => {
    expect(fill('en', 'banner.sending', { n: 1 })).toBe('Connected to the cloud; sending 1 movement.');
    expect(fill('en', 'banner.sending', { n: 2 })).toBe('Connected to the cloud; sending 2 movements.');
    expect(fill('en', 'banner.buffered', { n: 1 })).toBe('1 movement is waiting to be sent.');
    expect(fill('en', 'banner.buffered', { n: 1200 })).toBe('1,200 movements are waiting to be sent.');
    expect(fill('de', 'banner.sending', { n: 1 })).toBe('Mit der Cloud verbunden; 1 Bewegung wird gesendet.');
    expect(fill('de', 'banner.buffered', { n: 1200 })).toBe('1.200 Bewegungen warten auf das Senden.');
    expect(fill('es', 'banner.sending', { n: 1 })).toBe('Conectado a la nube; enviando 1 movimiento.');
    expect(fill('es', 'rfid.tagsSeen', { n: 3 })).toBe('3 etiquetas leídas hasta ahora.');
    expect(fill('en', 'replication.lagGraph', { hours: 1 })).toBe('Lag, last hour');
    expect(fill('en', 'replication.lagGraph', { hours: 24 })).toBe('Lag, last 24 hours');
    expect(fill('en', 'replication.catchUp', { done: 1, total: 1 })).toBe(
      'Catching up: 1 of 1 movement sent',
    );
  });

  it('fills plain placeholders and leaves an unknown one as written', () => {
    expect(formatMessage('Device {id} deleted.', { id: 'zebra-1' }, 'en', String)).toBe(
      'Device zebra-1 deleted.',
    );
    expect(formatMessage('{what} missing', {}, 'en', String)).toBe('{what} missing');
    expect(formatMessage('{n, plural, =0 {none} one {# item} other {# items}}', { n: 0 }, 'en', String)).toBe(
      'none',
    );
  });

  for (const [lang, dict] of Object.entries(LANGS)) {
    it(`${lang}: every message uses the same variables as English and every plural has an "other" case`, () => {
      for (const [key, text] of Object.entries(dict)) {
        const english = en[key as keyof typeof en];
        expect(variables(text), `${lang} ${key}`).toEqual(variables(english));
        for (const m of text.matchAll(/\{\s*\w+\s*,\s*plural\s*,/g)) {
          const rest = text.slice((m.index ?? 0) + m[0].length);
          expect(pluralCases(rest).has('other'), `${lang} ${key}`).toBe(true);
        }
        const vars = Object.fromEntries(variables(text).map((v) => [v, 5]));
        for (const n of [0, 1, 2, 5, 21]) {
          for (const v of Object.keys(vars)) vars[v] = n;
          expect(formatMessage(text, vars, lang, String), `${lang} ${key} n=${n}`).not.toMatch(/[{}#]/);
        }
      }
    });
  }
});
