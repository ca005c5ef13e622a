import { toBracketed } from '@store-edge/drivers/gs1';
import bwipjs from 'bwip-js';
import PDFDocument from 'pdfkit';
import { labelFonts, toLatin1 } from './fonts.js';
import type { BarcodeElement, BarcodeSymbol, LabelLayout, TextElement } from './layout.js';

const PT_PER_MM = 72 / 25.4;

type Linear = { kind: 'linear'; sbs: number[]; quiet: number };
type Matrix = { kind: 'matrix'; pixs: number[]; pixx: number; pixy: number };

// Encoding a symbol costs 0.1-1 ms in bwip-js; a batch of price changes repeats few symbols
// per page but many across runs of the agent, so a bounded cache pays.
const symbolCache = new Map<string, Linear | Matrix>();
const CACHE_LIMIT = 5000;

function encode(symbol: BarcodeSymbol): Linear | Matrix {
  const key = JSON.stringify(symbol);
  const hit = symbolCache.get(key);
  if (hit) return hit;
  const [bcid, text, quiet] = bwipInput(symbol);
  const raw = bwipjs.raw(bcid, text, {})[0];
  if (!raw) throw new Error(`bwip-js produced no ${bcid} symbol`);
  const out: Linear | Matrix =
    'sbs' in raw
      ? { kind: 'linear', sbs: raw.sbs, quiet }
      : { kind: 'matrix', pixs: raw.pixs, pixx: raw.pixx, pixy: raw.pixy };
  if (symbolCache.size >= CACHE_LIMIT) symbolCache.delete(symbolCache.keys().next().value ?? '');
  symbolCache.set(key, out);
  return out;
}

function bwipInput(s: BarcodeSymbol): [string, string, number] {
  switch (s.symbology) {
    case 'ean13':
      return ['ean13', s.digits, 11];
    case 'ean8':
      return ['ean8', s.digits, 7];
    case 'code128':
      return ['code128', s.text, 10];
    case 'gs1-128':
      return ['gs1-128', toBracketed(s.elements), 10];
    case 'gs1-datamatrix':
      return ['gs1datamatrix', toBracketed(s.elements), 1];
  }
}

/** Collects PDF pages for one document: one page per label copy. */
export class PdfLabelDocument {
  readonly #doc: PDFKit.PDFDocument;
  readonly #chunks: Buffer[] = [];
  readonly #done: Promise<Buffer>;
  readonly #unicode: boolean;

  constructor() {
    this.#doc = new PDFDocument({
      autoFirstPage: false,
      compress: true,
      info: { Title: 'store-edge labels', Producer: 'store-edge' },
    });
    this.#doc.on('data', (c: Buffer) => this.#chunks.push(c));
    this.#done = new Promise((resolve, reject) => {
      this.#doc.on('end', () => resolve(Buffer.concat(this.#chunks)));
      this.#doc.on('error', reject);
    });
    const fonts = labelFonts();
    this.#unicode = fonts.regular !== null;
    // Registered once per document: pdfkit embeds one subset of each font for all pages.
    if (fonts.regular && fonts.bold) {
      this.#doc.registerFont('label', fonts.regular);
      this.#doc.registerFont('label-bold', fonts.bold);
    } else {
      this.#doc.registerFont('label', 'Helvetica');
      this.#doc.registerFont('label-bold', 'Helvetica-Bold');
    }
  }

  addLabel(layout: LabelLayout, copies = 1): void {
    const pt = (dots: number): number => (dots / layout.dpmm) * PT_PER_MM;
    for (let c = 0; c < copies; c++) {
      this.#doc.addPage({ size: [pt(layout.widthDots), pt(layout.heightDots)], margin: 0 });
      for (const e of layout.elements) {
        if (e.kind === 'text') this.#text(e, pt);
        else if (e.kind === 'barcode') this.#barcode(e, pt);
        else this.#doc.rect(pt(e.x), pt(e.y), pt(e.width), pt(e.height)).fill('black');
      }
    }
  }

  end(): Promise<Buffer> {
    this.#doc.end();
    return this.#done;
  }

  #text(e: TextElement, pt: (d: number) => number): void {
    const doc = this.#doc;
    const text = this.#unicode ? e.text : toLatin1(e.text);
    doc.font(e.bold ? 'label-bold' : 'label').fontSize(pt(e.height));
    if (e.maxLines === 1) {
      // A one-line field (a price) shrinks to fit rather than lose digits to the ellipsis.
      const w = doc.widthOfString(text);
      if (w > pt(e.width)) doc.fontSize((pt(e.height) * pt(e.width)) / w);
    }
    const lineHeight = doc.currentLineHeight(true);
    doc.fillColor('black').text(text, pt(e.x), pt(e.y), {
      width: pt(e.width),
      height: lineHeight * e.maxLines,
      align: e.align,
      ellipsis: true,
      lineGap: 0,
    });
  }

  #barcode(e: BarcodeElement, pt: (d: number) => number): void {
    const doc = this.#doc;
    const sym = encode(e.symbol);
    const m = e.moduleDots;
    if (sym.kind === 'linear') {
      // sbs: alternating bar and space widths in modules, starting with a bar.
      let x = e.x + sym.quiet * m;
      for (let i = 0; i < sym.sbs.length; i++) {
        const w = (sym.sbs[i] ?? 0) * m;
        if (i % 2 === 0 && w > 0) doc.rect(pt(x), pt(e.y), pt(w), pt(e.height));
        x += w;
      }
    } else {
      // One rectangle per run of dark modules in a row keeps the page small.
      const x0 = e.x + m;
      const y0 = e.y + m;
      for (let r = 0; r < sym.pixy; r++) {
        let c = 0;
        while (c < sym.pixx) {
          if (sym.pixs[r * sym.pixx + c] !== 1) {
            c++;
            continue;
          }
          const start = c;
          while (c < sym.pixx && sym.pixs[r * sym.pixx + c] === 1) c++;
          doc.rect(pt(x0 + start * m), pt(y0 + r * m), pt((c - start) * m), pt(m));
        }
      }
    }
    doc.fill('black');
  }
}
