import { toElementString } from '@store-edge/drivers/gs1';
import type { BarcodeElement, LabelLayout, TextElement } from './layout.js';

export interface ZplOptions {
  copies: number;
  /**
   * Printer font for text. Default `0` (CG Triumvirate, Latin). For other scripts name a
   * TrueType font stored on the printer, e.g. `E:TT0003M_.TTF` (sent as ^A@).
   */
  font?: string;
}

/**
 * ZPL II for one label (ZPL II Programming Guide): ^CI28 makes field data UTF-8, ^PW/^LL set
 * the label size in dots, ^PQ the number of copies, and every field goes through ^FH so
 * `^`, `~` and `_` in data cannot end a field or start a command.
 */
export function layoutToZpl(layout: LabelLayout, options: ZplOptions): string {
  let z = `^XA^CI28^PW${layout.widthDots}^LL${layout.heightDots}^LH0,0`;
  if (layout.rfid) {
    // ^RS8: Gen 2 tag; ^RFW,H: write hex to the EPC bank (ZPL RFID Programming Guide).
    z += `^RS8^RFW,H^FD${layout.rfid.epcHex}^FS`;
  }
  for (const e of layout.elements) {
    if (e.kind === 'text') z += text(e, options.font ?? '0');
    else if (e.kind === 'barcode') z += barcode(e);
    else z += `^FO${e.x},${e.y}^GB${e.width},${e.height},${Math.min(e.width, e.height)}^FS`;
  }
  return `${z}^PQ${options.copies}^XZ\n`;
}

// Average advance of font 0 (CG Triumvirate Bold Condensed) per dot of height; an estimate,
// as the printer does not report glyph widths.
const FONT0_ADVANCE = 0.55;

function text(e: TextElement, font: string): string {
  let h = e.height;
  // A one-line field (a price) shrinks to fit rather than be cut.
  if (e.maxLines === 1) h = Math.max(10, Math.min(h, Math.floor(e.width / (e.text.length * FONT0_ADVANCE))));
  const fontCmd = font.includes(':') ? `^A@N,${h},${h},${font}` : `^A${font}N,${h},${h}`;
  const just = e.align === 'center' ? 'C' : e.align === 'right' ? 'R' : 'L';
  // ^FB prints surplus text over its last line, so cut it to what fits.
  const perLine = Math.max(1, Math.floor(e.width / (h * FONT0_ADVANCE)));
  const max = perLine * e.maxLines;
  const t = e.text.length > max ? `${e.text.slice(0, max - 1)}…` : e.text;
  return `^FO${e.x},${e.y}${fontCmd}^FB${e.width},${e.maxLines},0,${just},0^FH_^FD${escapeField(t)}^FS`;
}

function barcode(e: BarcodeElement): string {
  const s = e.symbol;
  const quiet = quietZone(e);
  const at = `^FO${e.x + quiet},${e.y}^BY${e.moduleDots}`;
  switch (s.symbology) {
    case 'ean13':
      // ^BE takes the 12 data digits and adds the check digit itself.
      return `${at}^BEN,${e.height},N,N^FD${s.digits.slice(0, 12)}^FS`;
    case 'ean8':
      return `${at}^B8N,${e.height},N,N^FD${s.digits.slice(0, 7)}^FS`;
    case 'code128':
      // Mode A (automatic): the printer picks subsets and takes `>` literally.
      return `${at}^BCN,${e.height},N,N,N,A^FH_^FD${escapeField(s.text)}^FS`;
    case 'gs1-128': {
      // FNC1 in first position makes Code 128 GS1-128 (GenSpecs §5.4.3.2); `>;` starts subset C
      // for all-numeric data (two digits per symbol), `>:` subset B otherwise. `>8` is FNC1.
      const data = gs1Data(s.elements, '>8', (v) => escapeField(v).replaceAll('>', '><'));
      const start =
        /^\d*$/.test(data.replaceAll('>8', '')) && data.replaceAll('>8', '').length % 2 === 0 ? '>;' : '>:';
      return `${at}^BCN,${e.height},N,N,N,N^FH_^FD${start}>8${data}^FS`;
    }
    case 'gs1-datamatrix':
      // ^BX quality 200 = ECC 200; escape character `#` (7th parameter) so `#1` is FNC1.
      // The fixture's samples use `_`, but `_` is in GS1 CSET 82 and so may occur in a batch
      // or serial; `#` is not.
      return `^FO${e.x + e.moduleDots},${e.y + e.moduleDots}^BXN,${e.moduleDots},200,,,,#^FH_^FD#1${gs1Data(s.elements, '#1', escapeField)}^FS`;
  }
}

function quietZone(e: BarcodeElement): number {
  switch (e.symbol.symbology) {
    case 'ean13':
      return 11 * e.moduleDots;
    case 'ean8':
      return 7 * e.moduleDots;
    case 'gs1-datamatrix':
      return 0;
    default:
      return 10 * e.moduleDots;
  }
}

/** AI + value pairs with `fnc1` after every variable-length value that is not last. */
function gs1Data(
  elements: { ai: string; value: string }[],
  fnc1: string,
  escapeValue: (v: string) => string,
): string {
  return toElementString(
    elements.map((el) => ({ ai: el.ai, value: escapeValue(el.value) })),
    fnc1,
  );
}

/**
 * ^FH_ hex escapes for the three characters that would break a ZPL field. No-break spaces
 * (Intl puts U+00A0/U+202F between amount and currency in many locales) become plain
 * spaces: printer-resident fonts often lack them.
 */
function escapeField(s: string): string {
  return s
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/[_^~]/g, (c) => (c === '_' ? '_5F' : c === '^' ? '_5E' : '_7E'));
}
