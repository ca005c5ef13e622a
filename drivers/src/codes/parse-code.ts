/**
 * One entry point for whatever a scanner or a person hands us: GTINs, GS1 element strings
 * (bracketed, GS-separated, AIM-prefixed), GS1 Digital Link URIs, in-store variable-measure
 * codes, EPC hex and plain SKUs. Pure; never throws: invalid input comes back as
 * `kind: 'unknown'` with a `reason`.
 */
import { AI_TABLE } from '../gs1/ai-table.js';
import { hasValidCheckDigit } from '../gs1/check-digit.js';
import { isHttpUri, parseDigitalLink } from '../gs1/digital-link.js';
import {
  decodeDate,
  type ElementsResult,
  GS,
  type Gs1Element,
  parseBracketed,
  parseElementString,
  toBracketed,
} from '../gs1/element-string.js';
import { decodeEpc } from '../gs1/epc/decode.js';
import { type GtinFormat, normaliseGtin } from '../gs1/gtin.js';
import { splitAimId } from './symbology.js';
import { decodeVariableMeasure, type RcnRegion, type VariableMeasure } from './variable-measure.js';

export interface ParseCodeOptions {
  /** Region whose in-store variable-measure layout applies (prefix 20–29 codes). */
  rcnRegion?: RcnRegion;
  /** Year that two-digit years are resolved against (§7.12); defaults to the current year. */
  referenceYear?: number;
}

interface ParsedBase {
  /** The input as given. */
  raw: string;
  /** The input without surrounding whitespace/CR/LF and without the AIM identifier. */
  data: string;
  aimId?: string;
  symbology?: string;
}

export interface ParsedGtin extends ParsedBase {
  kind: 'gtin';
  /** GTIN-14. */
  gtin: string;
  format: GtinFormat;
  variableMeasure?: VariableMeasure;
}

/** Decoded fields of the AIs a store acts on; everything is also in `elements`. */
export interface Gs1Fields {
  gtin?: string;
  /** (02) GTIN of the trade items contained in a logistic unit. */
  contentGtin?: string;
  sscc?: string;
  batch?: string;
  serial?: string;
  variant?: string;
  /** ISO dates `YYYY-MM-DD`. */
  expiry?: string;
  bestBefore?: string;
  sellBy?: string;
  productionDate?: string;
  packDate?: string;
  dueDate?: string;
  /** (30) variable count of items. */
  quantity?: number;
  /** (37) count of trade items in a logistic unit. */
  count?: number;
  netWeightKg?: number;
  grossWeightKg?: number;
  netWeightLb?: number;
  netVolumeL?: number;
  /** (392n)/(393n) price of a variable-measure item. */
  price?: number;
  /** ISO 4217 numeric code from (393n). */
  priceCurrency?: string;
  /** (390n)/(391n) amount payable. */
  amountPayable?: number;
  amountCurrency?: string;
  orderNumber?: string;
  gln?: string;
  giai?: string;
  grai?: string;
}

export interface ParsedGs1 extends ParsedBase, Gs1Fields {
  kind: 'gs1';
  elements: Gs1Element[];
  /** Bracketed form, e.g. `(01)09506000134352(10)ABC123`. */
  hri: string;
  /** Set when the data was a GS1 Digital Link URI. */
  digitalLink?: string;
  variableMeasure?: VariableMeasure;
}

export interface ParsedEpc extends ParsedBase {
  kind: 'epc';
  /** Upper-case hex; decode it with the EPC decoder. */
  epc: string;
}

export interface ParsedSku extends ParsedBase {
  kind: 'sku';
  sku: string;
}

export interface ParsedUnknown extends ParsedBase {
  kind: 'unknown';
  reason: string;
}

export type ParsedCode = ParsedGtin | ParsedGs1 | ParsedEpc | ParsedSku | ParsedUnknown;

type Meta = Omit<ParsedBase, 'raw' | 'data'>;
type Body =
  | Omit<ParsedGtin, keyof ParsedBase>
  | Omit<ParsedGs1, keyof ParsedBase>
  | Omit<ParsedEpc, keyof ParsedBase>
  | Omit<ParsedSku, keyof ParsedBase>
  | Omit<ParsedUnknown, keyof ParsedBase>;

// EPC binary header values (EPC Tag Data Standard, Table 14-1): 0x2C–0x3F are the assigned
// 96-bit-and-longer schemes; anything else in hex is more likely a code of another kind.
const EPC_HEX = /^(2[C-F]|3[0-9A-F])([0-9A-F]{4})+[0-9A-F]{2}$/;

/** Plain store SKUs: letters, digits and the usual separators, at most 64 characters. */
const SKU = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$/;

export function looksLikeEpcHex(s: string): boolean {
  const up = s.toUpperCase();
  return up.length >= 24 && up.length % 4 === 0 && EPC_HEX.test(up);
}

export function parseCode(raw: string, options: ParseCodeOptions = {}): ParsedCode {
  const data0 = typeof raw === 'string' ? raw.replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, '') : '';
  try {
    const { meta, data, body } = parseTrimmed(data0, options);
    return { raw, data, ...meta, ...body } as ParsedCode;
  } catch (err) {
    // Defensive: a parser bug must not take the driver down; the scan stays visible.
    return { raw, data: data0, kind: 'unknown', reason: `parser error: ${String(err)}` };
  }
}

/**
 * Parses a ScanEvent: its `code` has the AIM identifier stripped, and the identifier is what
 * says "this is GS1 data" (]C1 21ABC is a serial, not a SKU), so it is put back first.
 */
export function parseScan(
  scan: { code: string; aimId?: string },
  options: ParseCodeOptions = {},
): ParsedCode {
  const parsed = parseCode((scan.aimId ?? '') + scan.code, options);
  return { ...parsed, raw: scan.code };
}

function parseTrimmed(input: string, options: ParseCodeOptions): { meta: Meta; data: string; body: Body } {
  if (input === '') return { meta: {}, data: '', body: { kind: 'unknown', reason: 'empty code' } };
  // A GS1 composite arrives as two AIM-prefixed messages joined by '|' (gs1-syntax-engine
  // scandata.c): the linear part (usually EAN/UPC) and the 2D component.
  const bar = input.indexOf('|]');
  if (input.startsWith(']') && bar > 0) return parseComposite(input, bar, options);
  const split = splitAimId(input);
  if (!split.ok) return { meta: {}, data: input, body: { kind: 'unknown', reason: split.reason } };
  const meta: Meta = split.aim ? { aimId: split.aim.aimId, symbology: split.aim.symbology } : {};
  return {
    meta,
    data: split.data,
    body: parseData(split.data, split.aim?.aimId, split.aim?.gs1 ?? false, options),
  };
}

function parseComposite(
  input: string,
  bar: number,
  options: ParseCodeOptions,
): { meta: Meta; data: string; body: Body } {
  const linear = parseTrimmed(input.slice(0, bar), options);
  const component = parseTrimmed(input.slice(bar + 1), options);
  const meta = linear.meta;
  const data = input.slice(meta.aimId?.length ?? 0);
  const fail = (reason: string) => ({ meta, data, body: { kind: 'unknown' as const, reason } });
  if (linear.body.kind === 'unknown') return fail(`composite linear part: ${linear.body.reason}`);
  if (component.body.kind === 'unknown') return fail(`composite 2D part: ${component.body.reason}`);
  if (component.body.kind !== 'gs1') return fail('composite 2D part is not GS1 data');
  const first: Gs1Element[] =
    linear.body.kind === 'gtin'
      ? [{ ai: '01', value: linear.body.gtin }]
      : linear.body.kind === 'gs1'
        ? linear.body.elements
        : [];
  if (first.length === 0) return fail('composite linear part is not a GTIN or GS1 data');
  return {
    meta,
    data,
    body: gs1Body({ ok: true, elements: [...first, ...component.body.elements] }, options),
  };
}

function parseData(data: string, aimId: string | undefined, gs1: boolean, options: ParseCodeOptions): Body {
  if (gs1) {
    // Some scanners also transmit the leading FNC1 as GS; it is implied by the identifier.
    return gs1Body(parseElementString(data.startsWith(GS) ? data.slice(1) : data), options);
  }
  if (aimId === ']E0') {
    if (!/^\d*$/.test(data)) return unknown('EAN-13/UPC-A data must be digits only');
    if (data.length !== 13) {
      return unknown(
        `EAN-13/UPC-A data is 13 digits; ${data.length} is too ${data.length < 13 ? 'short' : 'long'}`,
      );
    }
    // UPC-A is sent as 13 digits with a leading 0 (GS1 General Specifications §5.1.2).
    const body = gtinBody(data.startsWith('0') ? data.slice(1) : data, options);
    return body;
  }
  if (aimId === ']E4') {
    if (!/^\d{8}$/.test(data)) return unknown(`EAN-8 data is 8 digits, got ${JSON.stringify(data)}`);
    return gtinBody(data, options);
  }
  return parseUntagged(data, options);
}

function parseUntagged(data: string, options: ParseCodeOptions): Body {
  if (data.startsWith(GS)) return gs1Body(parseElementString(data.slice(1)), options);
  if (/^\(\d/.test(data)) return gs1Body(parseBracketed(data), options);
  if (isHttpUri(data)) {
    const dl = parseDigitalLink(data);
    if (!dl.ok) return unknown(dl.reason);
    const body = gs1Body(dl, options);
    return body.kind === 'gs1' ? { ...body, digitalLink: data } : body;
  }
  if (/^\d+$/.test(data)) {
    if ([8, 12, 13, 14].includes(data.length)) return gtinBody(data, options);
    if (data.length >= 16) {
      const gs1 = parseElementString(data);
      if (gs1.ok) return gs1Body(gs1, options);
      if (looksLikeEpcHex(data)) return { kind: 'epc', epc: data };
      return unknown(gs1.reason);
    }
    return { kind: 'sku', sku: data };
  }
  if (data.includes(GS)) return gs1Body(parseElementString(data), options);
  // A concatenated element string that needs no separator, e.g. (01) then (10):
  // "0109506000134352" + "10ABC". Only taken as GS1 when it starts with a checked key.
  if (startsWithCheckedKey(data)) {
    const gs1 = parseElementString(data);
    if (gs1.ok) return gs1Body(gs1, options);
  }
  if (looksLikeEpcHex(data)) return { kind: 'epc', epc: data.toUpperCase() };
  if (SKU.test(data)) return { kind: 'sku', sku: data };
  return unknown('not a GTIN, GS1 element string, GS1 Digital Link, EPC or SKU');
}

function startsWithCheckedKey(data: string): boolean {
  const gtin = /^0[12](\d{14})/.exec(data);
  if (gtin?.[1] && hasValidCheckDigit(gtin[1])) return true;
  const sscc = /^00(\d{18})/.exec(data);
  return sscc?.[1] !== undefined && hasValidCheckDigit(sscc[1]);
}

function unknown(reason: string): Body {
  return { kind: 'unknown', reason };
}

function gtinBody(digits: string, options: ParseCodeOptions): Body {
  const g = normaliseGtin(digits);
  if (!g.ok) return unknown(g.reason);
  const vm = decodeVariableMeasure(g.gtin, options.rcnRegion);
  return { kind: 'gtin', gtin: g.gtin, format: g.format, ...(vm ? { variableMeasure: vm } : {}) };
}

const DATE_FIELDS: Record<string, keyof Gs1Fields> = {
  '11': 'productionDate',
  '12': 'dueDate',
  '13': 'packDate',
  '15': 'bestBefore',
  '16': 'sellBy',
  '17': 'expiry',
};
const TEXT_FIELDS: Record<string, keyof Gs1Fields> = {
  '00': 'sscc',
  '01': 'gtin',
  '02': 'contentGtin',
  '10': 'batch',
  '20': 'variant',
  '21': 'serial',
  '400': 'orderNumber',
  '414': 'gln',
  '8003': 'grai',
  '8004': 'giai',
};
const MEASURE_FIELDS: Record<string, keyof Gs1Fields> = {
  '310': 'netWeightKg',
  '315': 'netVolumeL',
  '320': 'netWeightLb',
  '330': 'grossWeightKg',
  '390': 'amountPayable',
  '391': 'amountPayable',
  '392': 'price',
  '393': 'price',
};

function gs1Body(result: ElementsResult, options: ParseCodeOptions): Body {
  if (!result.ok) return unknown(result.reason);
  const fields: Record<string, string | number> = {};
  for (const { ai, value } of result.elements) {
    const def = AI_TABLE.get(ai);
    const text = TEXT_FIELDS[ai];
    const date = DATE_FIELDS[ai];
    const measure = MEASURE_FIELDS[ai.slice(0, 3)];
    if (text) fields[text] = value;
    else if (date) {
      const iso = decodeDate(value, options.referenceYear);
      if (iso) fields[date] = iso;
    } else if (ai === '30') fields.quantity = Number(value);
    else if (ai === '37') fields.count = Number(value);
    else if (measure && def?.decimals !== undefined) {
      const digits = def.currency ? value.slice(3) : value;
      fields[measure] = Number(digits) / 10 ** def.decimals;
      if (def.currency) fields[measure === 'price' ? 'priceCurrency' : 'amountCurrency'] = value.slice(0, 3);
    }
  }
  const body: Omit<ParsedGs1, keyof ParsedBase> = {
    kind: 'gs1',
    elements: result.elements,
    hri: toBracketed(result.elements),
    ...(fields as Gs1Fields),
  };
  if (body.gtin) {
    const vm = decodeVariableMeasure(body.gtin, options.rcnRegion);
    if (vm) body.variableMeasure = vm;
  }
  return body;
}

/**
 * The GTIN-14 a parsed code stands for: a GTIN, the (01) of a GS1 element string or Digital
 * Link, the GTIN of an SGTIN EPC (TDS §7.1.2); null for anything else.
 */
export function gtinOf(parsed: ParsedCode): string | null {
  if (parsed.kind === 'gtin') return parsed.gtin;
  if (parsed.kind === 'gs1') return parsed.gtin ?? null;
  if (parsed.kind === 'epc') {
    const d = decodeEpc(parsed.epc);
    return d.scheme === 'sgtin-96' || d.scheme === 'sgtin-198' ? d.gtin14 : null;
  }
  return null;
}

/** The GTIN-14 whatever code a scanner, reader or person handed over stands for, or null. */
export function extractGtin(code: string): string | null {
  return gtinOf(parseCode(code));
}
