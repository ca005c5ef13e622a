import { loadFixture } from '@store-edge/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AI_TABLE, type AiDefinition } from '../gs1/ai-table.js';
import { gs1CheckDigit, priceWeightCheckDigit } from '../gs1/check-digit.js';
import {
  decodeDate,
  GS,
  type Gs1Element,
  parseBracketed,
  parseElementString,
  toBracketed,
  toElementString,
} from '../gs1/element-string.js';
import { normaliseGtin } from '../gs1/gtin.js';
import { extractGtin, type ParsedCode, parseCode, parseScan } from './parse-code.js';

interface ScanVector {
  scanData: string;
  valid: boolean;
  caretForm?: string;
  extractedCaretForm?: string;
  hri?: string;
  data?: string;
  gtin14?: string;
  bestBefore?: string;
  rcn?: { itemReference: string; weightKg: string };
}
interface BracketVector {
  hri: string;
  caretForm?: string;
  valid: boolean;
}
interface RawVector {
  raw: string;
  hri?: string;
  valid?: boolean;
}
interface Gs1Fixture {
  symbologyIdentifiers: { values: Record<string, string> };
  scanDataVectors: ScanVector[];
  bracketedToCaretVectors: BracketVector[];
  unbracketedWithSeparatorToHri: RawVector[];
  checkDigitVectors: { vectors: [string, number][] };
  aiTable: { entries: { ai: string; predefinedLength: boolean; format: string }[] };
  derivedExample: {
    hri: string;
    elements: { ai: string; value: string; date?: string }[];
    unbracketed: string;
    scanData: Record<string, string>;
  };
}

const fx = loadFixture('gs1-element-strings.json') as Gs1Fixture;

/** gs1-syntax-engine's caret notation: '^' = FNC1; a leading one is implied by the AIM id. */
function caretToElements(caret: string): Gs1Element[] {
  const r = parseElementString(caret.replace(/^\^/, '').replaceAll('^', GS));
  if (!r.ok) throw new Error(r.reason);
  return r.elements;
}

function expectGs1(p: ParsedCode): Extract<ParsedCode, { kind: 'gs1' }> {
  if (p.kind !== 'gs1') throw new Error(`expected gs1, got ${JSON.stringify(p)}`);
  return p;
}

describe('GS1 check digits (§7.9.1)', () => {
  it.each(fx.checkDigitVectors.vectors)('check digit of %s is %i', (data, digit) => {
    expect(gs1CheckDigit(data)).toBe(digit);
  });

  it('price/weight check digits (§7.9.3, §7.9.4)', () => {
    // Examples from GS1 General Specifications as quoted in jodal/biip checksums.py.
    expect(priceWeightCheckDigit('2875')).toBe(9);
    expect(priceWeightCheckDigit('14685')).toBe(6);
    expect(priceWeightCheckDigit('123')).toBeUndefined();
  });
});

describe('GTIN normalisation', () => {
  it.each([
    ['95012346', 'GTIN-8', '00000095012346'],
    ['416000336108', 'GTIN-12', '00416000336108'],
    ['4006381333931', 'GTIN-13', '04006381333931'],
    ['09506000134352', 'GTIN-14', '09506000134352'],
  ])('%s is a valid %s, normalised to %s', (input, format, gtin) => {
    expect(normaliseGtin(input)).toEqual({ ok: true, gtin, format });
    expect(parseCode(input)).toMatchObject({ kind: 'gtin', gtin, format });
  });

  it('rejects a wrong check digit with the expected one in the reason', () => {
    expect(parseCode('4006381333932')).toMatchObject({
      kind: 'unknown',
      reason: 'GTIN-13 check digit is 2, expected 1',
    });
  });
});

describe('scan data vectors (AIM-prefixed)', () => {
  const valid = fx.scanDataVectors.filter((v) => v.valid);
  const invalid = fx.scanDataVectors.filter((v) => !v.valid);

  it.each(valid.map((v) => [JSON.stringify(v.scanData), v] as const))('%s parses', (_name, v) => {
    const p = parseCode(v.scanData, { rcnRegion: 'de', referenceYear: 2025 });
    expect(p.kind).not.toBe('unknown');
    expect(p.aimId).toBe(v.scanData.slice(0, 3));
    const caret = v.caretForm ?? v.extractedCaretForm;
    if (caret && !caret.includes('|')) expect(expectGs1(p).elements).toEqual(caretToElements(caret));
    if (v.hri) expect(expectGs1(p).hri).toBe(v.hri);
    if (v.data) expect(p).toMatchObject({ kind: 'gtin', gtin: v.data.padStart(14, '0') });
    if (v.gtin14) expect(p).toMatchObject({ gtin: v.gtin14 });
    if (v.bestBefore) expect(p).toMatchObject({ bestBefore: v.bestBefore });
    if (v.rcn) {
      expect(p).toMatchObject({
        variableMeasure: {
          prefix: '28',
          region: 'de',
          itemReference: v.rcn.itemReference,
          weightKg: Number(v.rcn.weightKg),
          // biip notes the embedded weight check digit of this vector is invalid.
          measureCheckDigitValid: false,
        },
      });
    }
  });

  it('a composite (EAN-13 | 2D component) yields the GTIN plus the component AIs', () => {
    const v = valid.find((x) => x.scanData.includes('|'));
    const p = expectGs1(parseCode(v?.scanData ?? ''));
    expect(p.elements).toEqual([
      { ai: '01', value: '02112345678900' },
      ...caretToElements('^99COMPOSITE^98XYZ'),
    ]);
  });

  it.each(invalid.map((v) => [JSON.stringify(v.scanData), v] as const))(
    '%s is rejected with a reason',
    (_n, v) => {
      const p = parseCode(v.scanData);
      expect(p.kind).toBe('unknown');
      expect(p.kind === 'unknown' && p.reason.length > 0).toBe(true);
    },
  );

  it('names the symbology for every AIM identifier the fixture lists', () => {
    for (const aim of Object.keys(fx.symbologyIdentifiers.values)) {
      const p = parseCode(`${aim}ABC123`);
      expect(p.aimId, aim).toBe(aim);
      expect(p.symbology, aim).toMatch(/^[a-z0-9-]+$/);
    }
    expect(parseCode(']C1011231231231233310ABC123').symbology).toBe('gs1-128');
    expect(parseCode(']d2011231231231233310ABC123').symbology).toBe('gs1-datamatrix');
  });

  it('reports the specific reasons of the fixture', () => {
    expect(parseCode(']e0')).toMatchObject({ kind: 'unknown', reason: 'empty GS1 data' });
    expect(parseCode(']XX')).toMatchObject({
      kind: 'unknown',
      reason: expect.stringContaining('unknown symbology'),
    });
    expect(parseCode(']E0123456789012')).toMatchObject({ reason: expect.stringContaining('too short') });
  });
});

describe('bracketed ↔ concatenated vectors', () => {
  it.each(fx.bracketedToCaretVectors.map((v) => [v.hri, v] as const))('%s', (_n, v) => {
    const r = parseBracketed(v.hri);
    expect(r.ok).toBe(v.valid);
    if (r.ok && v.caretForm) {
      expect(r.elements).toEqual(caretToElements(v.caretForm));
      // The writer puts FNC1 exactly where the engine does.
      expect(`^${toElementString(r.elements, '^')}`).toBe(v.caretForm);
      expect(toBracketed(r.elements)).toBe(v.hri);
    }
    const p = parseCode(v.hri);
    expect(p.kind).toBe(v.valid ? 'gs1' : 'unknown');
  });

  it.each(fx.unbracketedWithSeparatorToHri.map((v) => [JSON.stringify(v.raw), v] as const))('%s', (_n, v) => {
    const r = parseElementString(v.raw);
    if (v.valid === false) {
      expect(r.ok).toBe(false);
      // Not GS1; with letters in it, it may still be looked up as a store SKU.
      expect(parseCode(v.raw).kind).not.toBe('gs1');
    } else {
      expect(r.ok && toBracketed(r.elements)).toBe(v.hri);
      expect(parseCode(v.raw)).toMatchObject({ kind: 'gs1', hri: v.hri });
    }
  });

  it('the derived example decodes the same from every form', () => {
    const d = fx.derivedExample;
    const forms = [d.hri, d.unbracketed, ...Object.values(d.scanData)];
    for (const form of forms) {
      const p = expectGs1(parseCode(form, { referenceYear: 2025 }));
      expect(p.elements).toEqual(d.elements.map(({ ai, value }) => ({ ai, value })));
      expect(p).toMatchObject({
        gtin: '09506000134352',
        expiry: '2020-12-25',
        batch: 'ABC123',
        serial: 'XYZ',
      });
    }
  });
});

describe('AI table', () => {
  it('agrees with the fixture on every listed AI (pre-defined length and format)', () => {
    for (const e of fx.aiTable.entries) {
      const [from, to = from] = e.ai.split('-');
      for (let ai = Number(from); ai <= Number(to); ai++) {
        const key = String(ai).padStart(e.ai.indexOf('-') > 0 ? (from ?? '').length : e.ai.length, '0');
        const def = AI_TABLE.get(key);
        expect(def, key).toBeDefined();
        expect(def?.predefinedLength, key).toBe(e.predefinedLength);
        // Compound formats ("N1,zero N13,csum [X..16]") add up their parts.
        const max = [...e.format.matchAll(/[NX](?:\.\.)?(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
        expect(def?.maxLength, key).toBe(max);
      }
    }
  });

  it('decodes decimal-point AIs, counts, prices with currency and dates', () => {
    const p = parseCode('(01)09506000134352(3103)001250(3922)1999(30)12(17)250200', { referenceYear: 2025 });
    expect(p).toMatchObject({
      kind: 'gs1',
      netWeightKg: 1.25,
      price: 19.99,
      quantity: 12,
      expiry: '2025-02-28',
    });
    expect(parseCode('(3932)9781999(3300)000042(37)6')).toMatchObject({
      price: 19.99,
      priceCurrency: '978',
      grossWeightKg: 42,
      count: 6,
    });
    expect(parseCode('(00)106141411234567897')).toMatchObject({ kind: 'gs1', sscc: '106141411234567897' });
  });

  it('resolves YYMMDD per §7.12 (DD=00 = end of month, sliding century)', () => {
    expect(decodeDate('240200', 2025)).toBe('2024-02-29');
    expect(decodeDate('991231', 2025)).toBe('1999-12-31');
    expect(decodeDate('740101', 2025)).toBe('2074-01-01');
    expect(decodeDate('760101', 2025)).toBe('1976-01-01');
    expect(decodeDate('251301', 2025)).toBeUndefined();
    expect(decodeDate('250231', 2025)).toBeUndefined();
    expect(parseCode('(17)250231')).toMatchObject({
      kind: 'unknown',
      reason: '(17) is not a valid YYMMDD date',
    });
  });

  it('rejects a bad check digit inside an element string', () => {
    expect(parseCode('(01)09506000134353')).toMatchObject({
      kind: 'unknown',
      reason: '(01) has an invalid check digit',
    });
  });
});

describe('GS1 Digital Link', () => {
  it('reads path and query AIs from id.gs1.org', () => {
    const uri = 'https://id.gs1.org/01/09506000134352/10/ABC%2F123/21/XYZ?17=201225&linkType=gs1:pip';
    const p = expectGs1(parseCode(uri, { referenceYear: 2025 }));
    expect(p).toMatchObject({
      gtin: '09506000134352',
      batch: 'ABC/123',
      serial: 'XYZ',
      expiry: '2020-12-25',
      digitalLink: uri,
    });
    expect(p.hri).toBe('(01)09506000134352(10)ABC/123(21)XYZ(17)201225');
  });

  it('accepts a custom domain with a path prefix and a short GTIN', () => {
    expect(parseCode('https://brand.example/products/01/4006381333931/21/1')).toMatchObject({
      kind: 'gs1',
      gtin: '04006381333931',
      serial: '1',
    });
  });

  it('refuses URLs that carry no GS1 key, and bad values', () => {
    expect(parseCode('https://example.com/about')).toMatchObject({ kind: 'unknown' });
    expect(parseCode('https://id.gs1.org/01/09506000134353')).toMatchObject({
      kind: 'unknown',
      reason: '(01) has an invalid check digit',
    });
  });
});

describe('in-store variable-measure codes', () => {
  it('without a region only flags the restricted-circulation prefix', () => {
    expect(parseCode('2824040005133')).toMatchObject({ kind: 'gtin', variableMeasure: { prefix: '28' } });
    expect(parseCode('4006381333931')).not.toHaveProperty('variableMeasure');
  });

  it('decodes a German price code (prefix 22, 2 decimals)', () => {
    // 22 + item 1234 + price check + 01999 (19.99 EUR); GTIN check digit computed per §7.9.1.
    const body = `221234${priceWeightCheckDigit('01999')}01999`;
    const gtin13 = `${body}${gs1CheckDigit(body)}`;
    expect(parseCode(gtin13, { rcnRegion: 'de' })).toMatchObject({
      kind: 'gtin',
      variableMeasure: { region: 'de', itemReference: '1234', price: 19.99, measureCheckDigitValid: true },
    });
  });

  it('decodes a Swedish weight code (prefix 23, 3 decimals)', () => {
    const body = '231234560750';
    expect(parseCode(`${body}${gs1CheckDigit(body)}`, { rcnRegion: 'se' })).toMatchObject({
      variableMeasure: { weightKg: 0.75, itemReference: '123456' },
    });
  });
});

describe('scan events', () => {
  it('parseScan puts the AIM identifier back, so GS1 data stays GS1', () => {
    expect(parseScan({ code: '21ABC', aimId: ']C1' })).toMatchObject({
      kind: 'gs1',
      serial: 'ABC',
      raw: '21ABC',
    });
    expect(parseScan({ code: '21ABC' })).toMatchObject({ kind: 'sku' });
    expect(parseScan({ code: '4006381333931', aimId: ']E0' })).toMatchObject({ kind: 'gtin', aimId: ']E0' });
  });

  it('reads an unseparated element string that starts with a checked GTIN', () => {
    expect(parseCode('010950600013435210ABC')).toMatchObject({
      kind: 'gs1',
      gtin: '09506000134352',
      batch: 'ABC',
    });
    // Same shape with a wrong check digit is not taken for GS1.
    expect(parseCode('010950600013435310ABC')).toMatchObject({ kind: 'sku' });
  });
});

describe('EPC, SKU and the rest', () => {
  it('classifies EPC hex (from sgtin96-vectors) and leaves decoding to the EPC decoder', () => {
    expect(parseCode('3074257bf7194e4000001a85')).toMatchObject({
      kind: 'epc',
      epc: '3074257BF7194E4000001A85',
    });
    expect(parseCode('3074257BF7194E4000001A85\r\n')).toMatchObject({ kind: 'epc' });
  });

  it('treats plain alphanumerics as SKUs', () => {
    expect(parseCode('SKU-123.A')).toMatchObject({ kind: 'sku', sku: 'SKU-123.A' });
    expect(parseCode('12345')).toMatchObject({ kind: 'sku', sku: '12345' });
    expect(parseCode(']C0ABC-1')).toMatchObject({
      kind: 'sku',
      sku: 'ABC-1',
      aimId: ']C0',
      symbology: 'code-128',
    });
  });

  it('returns a reason for what it cannot read', () => {
    expect(parseCode('')).toMatchObject({ kind: 'unknown', reason: 'empty code' });
    expect(parseCode('héllo wörld')).toMatchObject({ kind: 'unknown' });
  });
});

describe('the GTIN a code stands for (extractGtin)', () => {
  it('reads it from a GTIN, a GS1 element string, a Digital Link and an SGTIN EPC, all as GTIN-14', () => {
    expect(extractGtin('4006381333931')).toBe('04006381333931');
    expect(extractGtin(']C10109506000134352\u001d10ABC')).toBe('09506000134352');
    expect(extractGtin('https://id.gs1.org/01/09506000134352/21/1')).toBe('09506000134352');
    // urn:epc:id:sgtin:0614141.812345.6789 (sgtin96-vectors.json)
    expect(extractGtin('3074257BF7194E4000001A85')).toBe('80614141123458');
  });

  it('has none for an SSCC, a SKU or an unreadable code', () => {
    expect(extractGtin('(00)106141411234567897')).toBeNull();
    expect(extractGtin('SKU-123.A')).toBeNull();
    expect(extractGtin('4006381333932')).toBeNull();
  });
});

const KINDS = new Set(['gtin', 'gs1', 'epc', 'sku', 'unknown']);

describe('properties', () => {
  it('never throws on random strings, bytes or AIM-prefixed junk', () => {
    const bytes = fc.uint8Array({ maxLength: 80 }).map((b) => String.fromCharCode(...b));
    const aim = fc
      .tuple(
        fc.constantFrom(']C1', ']e0', ']d2', ']Q3', ']E0', ']E4', ']Q1', ''),
        fc.string({ maxLength: 60 }),
      )
      .map(([a, s]) => a + s);
    const gs1ish = fc
      .array(fc.constantFrom('01', '10', '17', '21', '3103', '392', '(', ')', GS, '|]', '0', '9', 'A', '^'), {
        maxLength: 30,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), bytes, aim, gs1ish), (s) => {
        const p = parseCode(s);
        // A caught internal exception would show as 'parser error'; that counts as a throw.
        return KINDS.has(p.kind) && !(p.kind === 'unknown' && p.reason.startsWith('parser error'));
      }),
      { numRuns: 1000 },
    );
  });

  const CSET82 = '!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
  const valueArb = (def: AiDefinition): fc.Arbitrary<string> => {
    if (def.date) {
      return fc
        .tuple(
          fc.integer({ min: 0, max: 99 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 0, max: 28 }),
        )
        .map((parts) => parts.map((n) => String(n).padStart(2, '0')).join(''));
    }
    const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n });
    const prefix = def.checkDigitLength ?? def.numericPrefix ?? 0;
    const restMin = Math.max(0, (def.length ?? def.minLength) - prefix);
    const restMax = (def.length ?? def.maxLength) - prefix;
    const rest = fc.array(fc.constantFrom(...(def.charset === 'N' ? '0123456789' : CSET82)), {
      minLength: restMin,
      maxLength: restMax,
    });
    return fc.tuple(digits(prefix), rest).map(([head, tail]) => {
      const body = head.slice(0, -1).join('');
      const checked = def.checkDigitLength ? `${body}${gs1CheckDigit(body)}` : head.join('');
      return checked + tail.join('');
    });
  };
  const elementArb = fc
    .constantFrom(...AI_TABLE.values())
    .chain((def) => valueArb(def).map((value): Gs1Element => ({ ai: def.ai, value })));

  it('bracketed → elements → concatenated → elements round-trips', () => {
    fc.assert(
      fc.property(fc.array(elementArb, { minLength: 1, maxLength: 6 }), (elements) => {
        const hri = toBracketed(elements);
        const fromHri = parseBracketed(hri);
        expect(fromHri).toEqual({ ok: true, elements });
        const raw = toElementString(elements);
        expect(parseElementString(raw)).toEqual({ ok: true, elements });
        expect(toBracketed(parseCode(`]C1${raw}`).kind === 'gs1' ? elements : [])).toBe(hri);
      }),
      { numRuns: 1000 },
    );
  });
});
