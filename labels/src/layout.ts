import type { Gs1Element } from '@store-edge/drivers/gs1';

/**
 * What a template produces: positioned elements in printer dots (origin top-left), the one
 * description both the ZPL and the PDF renderer draw, so both outputs have the same geometry.
 */
export interface LabelLayout {
  widthDots: number;
  heightDots: number;
  dpmm: Dpmm;
  elements: LabelElement[];
  /** EPC to write into the label's RFID inlay (ZPL ^RFW); ignored by PDF. */
  rfid?: { epcHex: string };
}

export type Dpmm = 8 | 12;

export type LabelElement = TextElement | BarcodeElement | RuleElement;

export interface TextElement {
  kind: 'text';
  x: number;
  y: number;
  width: number;
  /** Character height in dots (ZPL ^A height; PDF font size). */
  height: number;
  maxLines: number;
  align: 'left' | 'center' | 'right';
  bold?: boolean;
  text: string;
}

export type BarcodeSymbol =
  | { symbology: 'ean13'; digits: string }
  | { symbology: 'ean8'; digits: string }
  | { symbology: 'code128'; text: string }
  | { symbology: 'gs1-128'; elements: Gs1Element[] }
  | { symbology: 'gs1-datamatrix'; elements: Gs1Element[] };

export interface BarcodeElement {
  kind: 'barcode';
  x: number;
  y: number;
  /** Narrow bar (or DataMatrix module) width in dots. */
  moduleDots: number;
  /** Bar height in dots (linear symbols only). */
  height: number;
  symbol: BarcodeSymbol;
}

/** A filled rectangle: separators and boxes. */
export interface RuleElement {
  kind: 'rule';
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LayoutContext {
  widthMm: number;
  heightMm: number;
  dpmm: Dpmm;
  locale: string;
  currency: string;
}

/** Width in modules including quiet zones, an upper bound where the encoder has choices. */
export function symbolModules(symbol: BarcodeSymbol): number {
  switch (symbol.symbology) {
    case 'ean13':
      return 11 + 95 + 7; // GenSpecs §5.2.3.4: quiet zones 11 left, 7 right
    case 'ean8':
      return 7 + 67 + 7;
    case 'code128':
      // Start, one symbol per character (subset B at worst), check, stop (13) and 10X quiet zones.
      return 10 + 11 * (symbol.text.length + 2) + 13 + 10;
    case 'gs1-128': {
      const text = symbol.elements.map((e) => e.ai + e.value).join('');
      // All digits: subset C, two per symbol; otherwise one per symbol, plus FNC1 separators.
      const data = /^\d*$/.test(text) ? Math.ceil(text.length / 2) : text.length + symbol.elements.length;
      return 10 + 11 * (data + 3) + 13 + 10;
    }
    case 'gs1-datamatrix':
      return dataMatrixSize(symbol.elements) + 2;
  }
}

// ECC 200 square symbols: (modules per side, data codewords) — ISO/IEC 16022 Table 7.
const DM_SQUARES: ReadonlyArray<readonly [number, number]> = [
  [10, 3],
  [12, 5],
  [14, 8],
  [16, 12],
  [18, 18],
  [20, 22],
  [22, 30],
  [24, 36],
  [26, 44],
  [32, 62],
  [36, 86],
  [40, 114],
  [44, 144],
  [48, 174],
  [52, 204],
  [64, 280],
];

/**
 * Side of the smallest square DataMatrix that holds the elements in ASCII encodation
 * (digit pairs one codeword, FNC1 one codeword). Encoders may do better, never worse.
 */
export function dataMatrixSize(elements: Gs1Element[]): number {
  let codewords = 1; // leading FNC1
  elements.forEach((e, i) => {
    const s = e.ai + e.value;
    let j = 0;
    while (j < s.length) {
      if (/\d/.test(s[j] ?? '') && /\d/.test(s[j + 1] ?? '')) j += 2;
      else j += 1;
      codewords++;
    }
    if (i < elements.length - 1) codewords++;
  });
  for (const [side, capacity] of DM_SQUARES) if (capacity >= codewords) return side;
  return 64;
}

export function mmToDots(mm: number, dpmm: number): number {
  return Math.round(mm * dpmm);
}
