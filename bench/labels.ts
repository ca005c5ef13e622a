// npm run bench -- labels: ms per ZPL label, ms per PDF label, seconds for a 1,000-label
// shelf batch as one PDF. Targets (labels issue): ZPL ≤ 0.2 ms per label; 1,000-label PDF ≤ 5 s.
import { withCheckDigit } from '@store-edge/drivers/gs1';
import { type LabelRequest, renderPdf, renderPdfBatch, renderZpl } from '@store-edge/labels';
import { report } from './_report.js';

/** A shelf label for item `i`; `base` keeps GTINs of different phases apart (no cache hits). */
function shelfLabel(i: number, base: number): LabelRequest {
  const body = `400${String(base + i).padStart(9, '0')}`;
  const cents = 99 + ((i * 37) % 2000);
  return {
    template: 'shelf',
    data: {
      sku: `SKU-${base + i}`,
      name: `Bio Äpfel Gala ${i} — Beutel 1 kg, Klasse I, Herkunft Deutschland`,
      gtin: withCheckDigit(body),
      price: (cents / 100).toFixed(2),
      unitPrice: { amount: ((cents * 2) / 100).toFixed(2), unit: 'kg' },
    },
    locale: 'de-DE',
  };
}

function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

// ZPL: warm up, then the best of 5 rounds of 5,000 labels.
const zplLabels = Array.from({ length: 5000 }, (_, i) => shelfLabel(i, 100_000));
for (const l of zplLabels.slice(0, 500)) renderZpl(l);
let zplBest = Number.POSITIVE_INFINITY;
for (let round = 0; round < 5; round++) {
  let bytes = 0;
  const ms = timeMs(() => {
    for (const l of zplLabels) bytes += renderZpl(l).length;
  });
  if (bytes === 0) throw new Error('no ZPL');
  zplBest = Math.min(zplBest, ms / zplLabels.length);
}
report({
  name: 'labels.zpl_ms_per_label',
  value: zplBest,
  unit: 'ms',
  limit: 0.2,
  ratio: 0.2 / zplBest,
  template: 'shelf',
  dpmm: 8,
});

// PDF, one document per label (a preview or a single print): 200 labels, after warm-up.
for (let i = 0; i < 20; i++) await renderPdf(shelfLabel(i, 200_000));
const pdfCount = 200;
const t0 = performance.now();
for (let i = 0; i < pdfCount; i++) await renderPdf(shelfLabel(i, 300_000));
const pdfMs = (performance.now() - t0) / pdfCount;
report({
  name: 'labels.pdf_ms_per_label',
  value: pdfMs,
  unit: 'ms',
  template: 'shelf',
  note: 'one PDF document per label',
});

// 1,000 distinct shelf labels as one PDF document (overnight price-change batch).
const batch = Array.from({ length: 1000 }, (_, i) => shelfLabel(i, 400_000));
const t1 = performance.now();
const pdf = await renderPdfBatch(batch);
const batchS = (performance.now() - t1) / 1000;
report({
  name: 'labels.pdf_ms_per_label_in_batch',
  value: (batchS * 1000) / 1000,
  unit: 'ms',
  template: 'shelf',
});
report({
  name: 'labels.pdf_batch_1000_s',
  value: batchS,
  unit: 's',
  limit: 5,
  ratio: 5 / batchS,
  bytes: pdf.length,
  pages: 1000,
});
