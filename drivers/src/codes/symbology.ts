/**
 * AIM symbology identifiers (ISO/IEC 15424): `]` + code character + modifier character,
 * prefixed by a scanner to the data it transmits. Which ones announce GS1 data (FNC1 in first
 * position, so the data is an element string) follows GS1 General Specifications §5.1.2 / §7.8.
 */

export interface AimIdentifier {
  /** As transmitted, e.g. `]C1`. */
  aimId: string;
  /** A stable lower-case name, e.g. `gs1-128`, `ean-13`, `qr`. */
  symbology: string;
  /** The data carries a GS1 element string with an implied leading FNC1. */
  gs1: boolean;
}

// Code characters of ISO/IEC 15424 with the symbology they name.
const CODE_CHARACTERS: Record<string, string> = {
  A: 'code-39',
  C: 'code-128',
  d: 'data-matrix',
  e: 'gs1-databar',
  E: 'ean-upc',
  F: 'codabar',
  G: 'code-93',
  H: 'code-11',
  I: 'itf',
  J: 'dotcode',
  L: 'pdf417',
  M: 'msi',
  Q: 'qr',
  S: 'code-2of5',
  X: 'other',
  z: 'aztec',
  Z: 'non-barcode',
};

// Modifiers that change the name or mark GS1 data (GS1 General Specifications Figure 5.1.2-1).
const SPECIAL: Record<string, { symbology: string; gs1: boolean }> = {
  ']C1': { symbology: 'gs1-128', gs1: true },
  ']e0': { symbology: 'gs1-databar', gs1: true },
  ']d2': { symbology: 'gs1-datamatrix', gs1: true },
  ']Q3': { symbology: 'gs1-qr', gs1: true },
  ']J1': { symbology: 'gs1-dotcode', gs1: true },
  ']E0': { symbology: 'ean-13', gs1: false },
  ']E4': { symbology: 'ean-8', gs1: false },
};

/**
 * The modifier tables of ISO/IEC 15424 use 0–9 and A–F at most (Aztec goes furthest, to C);
 * any other character means this is not an AIM identifier (`]XX` is rejected).
 */
const MODIFIER = /^[0-9A-F]$/;

export type AimSplit = { ok: true; aim?: AimIdentifier; data: string } | { ok: false; reason: string };

/** Splits a leading AIM identifier off `raw`; input without `]` comes back unchanged. */
export function splitAimId(raw: string): AimSplit {
  if (!raw.startsWith(']')) return { ok: true, data: raw };
  const aimId = raw.slice(0, 3);
  const code = aimId.charAt(1);
  const modifier = aimId.charAt(2);
  const base = CODE_CHARACTERS[code];
  if (aimId.length < 3 || base === undefined || !MODIFIER.test(modifier)) {
    return { ok: false, reason: `unknown symbology identifier ${JSON.stringify(aimId)}` };
  }
  const special = SPECIAL[aimId];
  const aim: AimIdentifier = special ? { aimId, ...special } : { aimId, symbology: base, gs1: false };
  return { ok: true, aim, data: raw.slice(3) };
}

export interface ScanText {
  code: string;
  aimId?: string;
  symbology?: string;
}

/**
 * What a driver puts in a ScanEvent: a valid leading AIM identifier moves to `aimId`; text
 * that merely starts with `]` (not an identifier) stays as it is.
 */
export function splitScanText(text: string): ScanText {
  const split = splitAimId(text);
  if (!split.ok || !split.aim) return { code: text };
  return { code: split.data, aimId: split.aim.aimId, symbology: split.aim.symbology };
}
