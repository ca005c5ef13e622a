import { withCheckDigit } from '../check-digit.js';
import { normaliseHex, readBits, readBitsBig, zeroFrom } from './bits.js';
import {
  GIAI96_PARTITIONS,
  GRAI_PARTITIONS,
  type PartitionRow,
  SGLN_PARTITIONS,
  SGTIN_PARTITIONS,
  SSCC_PARTITIONS,
} from './partition.js';
import type { EpcDecodeResult, Giai, Grai, InvalidEpc, Sgln, Sgtin, Sscc, UnknownEpc } from './types.js';

/** EPC binary header values, TDS 1.13 Table 14-1 (2C–37) and TDS 2.x Table 14-1 (38–41). */
const HEADER_NAMES: Record<string, string> = {
  '00': 'Unprogrammed Tag',
  '2C': 'GDTI-96',
  '2D': 'GSRN-96',
  '2E': 'GSRNP-96',
  '2F': 'USDoD-96',
  '30': 'SGTIN-96',
  '31': 'SSCC-96',
  '32': 'SGLN-96',
  '33': 'GRAI-96',
  '34': 'GIAI-96',
  '35': 'GID-96',
  '36': 'SGTIN-198',
  '37': 'GRAI-170',
  '38': 'GIAI-202',
  '39': 'SGLN-195',
  '3A': 'GDTI-113',
  '3B': 'ADI-var',
  '3C': 'CPI-96',
  '3D': 'CPI-var',
  '3E': 'GDTI-174',
  '3F': 'SGCN-96',
  '40': 'ITIP-110',
  '41': 'ITIP-212',
};

// Header (8) + filter (3) + partition (3): where the partitioned fields start (Table 14-3 etc.).
const FIELDS_AT = 14;

/**
 * Decodes an EPC given as hex (either case). Never throws: a header this module does not
 * decode gives `{scheme: 'unknown'}` with the raw hex, and input that cannot be an EPC of
 * its scheme gives `{scheme: 'invalid', reason}`.
 *
 * Readers report the whole EPC bank, so bits after the scheme's length (word padding) are
 * accepted when they are zero.
 */
export function decodeEpc(input: string): EpcDecodeResult {
  const norm = normaliseHex(input);
  if ('reason' in norm) return invalid(input, norm.reason);
  const hex = norm.hex;
  const header = hex.slice(0, 2);
  switch (header) {
    case '30':
      return decodeSgtin(hex, 96);
    case '36':
      return decodeSgtin(hex, 198);
    case '31':
      return decodeSscc96(hex);
    case '32':
      return decodeSgln96(hex);
    case '33':
      return decodeGrai96(hex);
    case '34':
      return decodeGiai96(hex);
    default: {
      const unknown: UnknownEpc = { scheme: 'unknown', hex, header };
      const name = HEADER_NAMES[header];
      if (name !== undefined) unknown.headerName = name;
      return unknown;
    }
  }
}

function invalid(hex: string, reason: string): InvalidEpc {
  return { scheme: 'invalid', hex, reason };
}

/** Checks length and trailing padding; returns a reason or undefined. */
function checkLength(hex: string, bits: number, name: string): string | undefined {
  if (hex.length * 4 < bits) return `${name} needs ${bits} bits, got ${hex.length * 4}`;
  if (!zeroFrom(hex, bits)) return `${name} has non-zero bits after bit ${bits}`;
  return undefined;
}

interface Partitioned {
  filter: number;
  partition: number;
  companyPrefix: string;
  other: string;
  /** Bit offset just after the second partitioned field. */
  end: number;
}

/**
 * Partition table decoding, TDS 1.13 §14.4.3: both fields are integers that must fit their
 * digit counts, shown zero-padded to them.
 */
function decodePartitioned(
  hex: string,
  table: readonly PartitionRow[],
  name: string,
  padOther = true,
): Partitioned | string {
  const filter = readBits(hex, 8, 3);
  const partition = readBits(hex, 11, 3);
  const row = table[partition];
  if (row === undefined) return `partition value ${partition} is invalid for ${name}`;
  const cp = readBits(hex, FIELDS_AT, row.companyPrefixBits);
  const cpDigits = String(cp);
  if (cpDigits.length > row.companyPrefixDigits) {
    return `company prefix ${cp} has more than ${row.companyPrefixDigits} digits (partition ${partition})`;
  }
  const otherAt = FIELDS_AT + row.companyPrefixBits;
  let other: string;
  if (row.otherBits <= 53) {
    const v = readBits(hex, otherAt, row.otherBits);
    other = String(v);
  } else {
    other = readBitsBig(hex, otherAt, row.otherBits).toString();
  }
  if (padOther) {
    if (row.otherDigits === 0 ? other !== '0' : other.length > row.otherDigits) {
      return `${name} reference ${other} has more than ${row.otherDigits} digits (partition ${partition})`;
    }
    other = row.otherDigits === 0 ? '' : other.padStart(row.otherDigits, '0');
  } else if (other.length > row.otherDigits) {
    return `${name} reference ${other} has more than ${row.otherDigits} digits (partition ${partition})`;
  }
  return {
    filter,
    partition,
    companyPrefix: cpDigits.padStart(row.companyPrefixDigits, '0'),
    other,
    end: otherAt + row.otherBits,
  };
}

/** SGTIN-96 (Table 14-3) and SGTIN-198 (Table 14-4). */
function decodeSgtin(hex: string, bits: 96 | 198): Sgtin | InvalidEpc {
  const name = bits === 96 ? 'SGTIN-96' : 'SGTIN-198';
  const lengthProblem = checkLength(hex, bits, name);
  if (lengthProblem !== undefined) return invalid(hex, lengthProblem);
  const p = decodePartitioned(hex, SGTIN_PARTITIONS, name);
  if (typeof p === 'string') return invalid(hex, p);
  let serial: string;
  let uriSerial: string;
  if (bits === 96) {
    // 38-bit integer serial, §14.4.1: decimal without leading zeros.
    serial = String(readBits(hex, p.end, 38));
    uriSerial = serial;
  } else {
    const s = decodeString(hex, p.end, 20);
    if (typeof s !== 'string') return invalid(hex, `SGTIN-198 serial: ${s.reason}`);
    serial = s;
    uriSerial = escapeUriChars(s);
  }
  // GTIN-14 = indicator digit, company prefix, item reference without the indicator, check
  // digit (TDS §7.1.2, the SGTIN ↔ GTIN correspondence).
  const body = p.other.charAt(0) + p.companyPrefix + p.other.slice(1);
  const gtin14 = withCheckDigit(body);
  const id = `${p.companyPrefix}.${p.other}.${uriSerial}`;
  return {
    scheme: bits === 96 ? 'sgtin-96' : 'sgtin-198',
    hex,
    filter: p.filter,
    partition: p.partition,
    companyPrefix: p.companyPrefix,
    itemReference: p.other,
    gtin14,
    serial,
    uri: `urn:epc:id:sgtin:${id}`,
    tagUri: `urn:epc:tag:sgtin-${bits}:${p.filter}.${id}`,
    gs1ElementString: `(01)${gtin14}(21)${serial}`,
  };
}

/** SSCC-96, Table 14-6: the last 24 bits are reserved. */
function decodeSscc96(hex: string): Sscc | InvalidEpc {
  const lengthProblem = checkLength(hex, 96, 'SSCC-96');
  if (lengthProblem !== undefined) return invalid(hex, lengthProblem);
  const p = decodePartitioned(hex, SSCC_PARTITIONS, 'SSCC-96');
  if (typeof p === 'string') return invalid(hex, p);
  // SSCC-18 = extension digit, company prefix, serial reference without extension, check (§7.2.2).
  const body = p.other.charAt(0) + p.companyPrefix + p.other.slice(1);
  const sscc18 = withCheckDigit(body);
  const id = `${p.companyPrefix}.${p.other}`;
  return {
    scheme: 'sscc-96',
    hex,
    filter: p.filter,
    partition: p.partition,
    companyPrefix: p.companyPrefix,
    serialReference: p.other,
    sscc18,
    uri: `urn:epc:id:sscc:${id}`,
    tagUri: `urn:epc:tag:sscc-96:${p.filter}.${id}`,
    gs1ElementString: `(00)${sscc18}`,
  };
}

/** SGLN-96, Table 14-8: 41-bit integer extension after the GLN. */
function decodeSgln96(hex: string): Sgln | InvalidEpc {
  const lengthProblem = checkLength(hex, 96, 'SGLN-96');
  if (lengthProblem !== undefined) return invalid(hex, lengthProblem);
  const p = decodePartitioned(hex, SGLN_PARTITIONS, 'SGLN-96');
  if (typeof p === 'string') return invalid(hex, p);
  const extension = String(readBits(hex, p.end, 41));
  const body = p.companyPrefix + p.other;
  const gln = withCheckDigit(body);
  const id = `${p.companyPrefix}.${p.other}.${extension}`;
  return {
    scheme: 'sgln-96',
    hex,
    filter: p.filter,
    partition: p.partition,
    companyPrefix: p.companyPrefix,
    locationReference: p.other,
    gln,
    extension,
    uri: `urn:epc:id:sgln:${id}`,
    tagUri: `urn:epc:tag:sgln-96:${p.filter}.${id}`,
    // §7.3: extension 0 in SGLN-96 means "no extension", so AI (254) is omitted.
    gs1ElementString: extension === '0' ? `(414)${gln}` : `(414)${gln}(254)${extension}`,
  };
}

/** GRAI-96, Table 14-11: asset type then a 38-bit integer serial. */
function decodeGrai96(hex: string): Grai | InvalidEpc {
  const lengthProblem = checkLength(hex, 96, 'GRAI-96');
  if (lengthProblem !== undefined) return invalid(hex, lengthProblem);
  const p = decodePartitioned(hex, GRAI_PARTITIONS, 'GRAI-96');
  if (typeof p === 'string') return invalid(hex, p);
  const serial = String(readBits(hex, p.end, 38));
  // §7.4: AI (8003) starts with a fixed 0, then the GRAI-13 with its check digit.
  const body = `0${p.companyPrefix}${p.other}`;
  const grai14 = withCheckDigit(body);
  const id = `${p.companyPrefix}.${p.other}.${serial}`;
  return {
    scheme: 'grai-96',
    hex,
    filter: p.filter,
    partition: p.partition,
    companyPrefix: p.companyPrefix,
    assetType: p.other,
    grai14,
    serial,
    uri: `urn:epc:id:grai:${id}`,
    tagUri: `urn:epc:tag:grai-96:${p.filter}.${id}`,
    gs1ElementString: `(8003)${grai14}${serial}`,
  };
}

/** GIAI-96, Table 14-14: the asset reference is an unpadded integer (§14.4.4). */
function decodeGiai96(hex: string): Giai | InvalidEpc {
  const lengthProblem = checkLength(hex, 96, 'GIAI-96');
  if (lengthProblem !== undefined) return invalid(hex, lengthProblem);
  const p = decodePartitioned(hex, GIAI96_PARTITIONS, 'GIAI-96', false);
  if (typeof p === 'string') return invalid(hex, p);
  const id = `${p.companyPrefix}.${p.other}`;
  return {
    scheme: 'giai-96',
    hex,
    filter: p.filter,
    partition: p.partition,
    companyPrefix: p.companyPrefix,
    assetReference: p.other,
    uri: `urn:epc:id:giai:${id}`,
    tagUri: `urn:epc:tag:giai-96:${p.filter}.${id}`,
    gs1ElementString: `(8004)${p.companyPrefix}${p.other}`,
  };
}

/**
 * 7-bit string decoding, TDS 1.13 §14.4.2: characters until the first all-zero one, every
 * bit after it zero, each character from the GS1 AI encodable set 82 (Table A-1).
 */
function decodeString(hex: string, offset: number, maxChars: number): string | { reason: string } {
  let out = '';
  let ended = false;
  for (let i = 0; i < maxChars; i++) {
    const c = readBits(hex, offset + i * 7, 7);
    if (ended) {
      if (c !== 0) return { reason: 'non-zero character after the terminator' };
      continue;
    }
    if (c === 0) {
      ended = true;
      continue;
    }
    if (!isCharSet82(c)) return { reason: `character 0x${c.toString(16)} is not in GS1 character set 82` };
    out += String.fromCharCode(c);
  }
  if (out.length === 0) return { reason: 'empty serial' };
  return out;
}

/** GS1 AI encodable character set 82 (TDS Table A-1 / GS1 General Specifications Figure 7.11-1). */
export function isCharSet82(c: number): boolean {
  if (c >= 48 && c <= 57) return true; // 0-9
  if (c >= 65 && c <= 90) return true; // A-Z
  if (c >= 97 && c <= 122) return true; // a-z
  if (c >= 37 && c <= 47) return true; // % & ' ( ) * + , - . /
  if (c >= 58 && c <= 63) return true; // : ; < = > ?
  return c === 33 || c === 34 || c === 95; // ! " _
}

/** Characters of set 82 that a URI must escape, TDS Table A-1 "URI Form". */
function escapeUriChars(s: string): string {
  return s.replace(/["%&/<>?]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
