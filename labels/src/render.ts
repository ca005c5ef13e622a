import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import type { Dpmm, LabelLayout } from './layout.js';
import { checkLocaleAndCurrency } from './money.js';
import type { Issue, TemplateDefinition } from './template.js';
import { isTemplateName, type TemplateName, templateNames, templates } from './templates/index.js';
import { layoutToZpl } from './zpl.js';

export interface LabelRequest {
  template: TemplateName | string;
  /** Template data; validated against the template's schema. */
  data: unknown;
  /** Label stock size; default per template (see `templates[t].defaultSize`). */
  size?: { widthMm: number; heightMm: number };
  /** Printer resolution in dots per mm: 8 (203 dpi, default) or 12 (300 dpi). */
  dpmm?: Dpmm;
  /** BCP 47 locale for prices (default `en-IE`). */
  locale?: string;
  /** ISO 4217 currency when the data has none (default `EUR`). */
  currency?: string;
  /** Copies: ZPL ^PQ; PDF repeats the page. Default 1. */
  copies?: number;
  /** ZPL printer font, see {@link ZplOptions.font}. */
  zplFont?: string;
}

/** Bad template data or options; `issues[].path` points into the request (`/data/gtin`). */
export class LabelDataError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path || '/'}: ${i.message}`).join('\n'));
    this.name = 'LabelDataError';
  }
}

export interface PreparedLabel {
  template: TemplateName;
  layout: LabelLayout;
  copies: number;
  zplFont?: string;
}

const DEFAULT_LOCALE = 'en-IE';
const DEFAULT_CURRENCY = 'EUR';

/** Validates a request and lays the label out; throws {@link LabelDataError}. */
export function prepareLabel(req: LabelRequest, pathPrefix = ''): PreparedLabel {
  const issues: Issue[] = [];
  const at = (p: string): string => `${pathPrefix}${p}`;
  if (!isTemplateName(req.template)) {
    throw new LabelDataError([
      {
        path: at('/template'),
        message: `unknown template '${req.template}' (one of: ${templateNames.join(', ')})`,
      },
    ]);
  }
  const template = templates[req.template] as TemplateDefinition<TSchema>;
  const dpmm = req.dpmm ?? 8;
  if (dpmm !== 8 && dpmm !== 12)
    issues.push({ path: at('/dpmm'), message: 'must be 8 (203 dpi) or 12 (300 dpi)' });
  const size = req.size ?? template.defaultSize;
  for (const k of ['widthMm', 'heightMm'] as const) {
    const v = size[k];
    if (typeof v !== 'number' || !(v >= 10 && v <= 300))
      issues.push({ path: at(`/size/${k}`), message: 'must be 10-300 mm' });
  }
  const copies = req.copies ?? 1;
  if (!Number.isInteger(copies) || copies < 1 || copies > 99_999) {
    issues.push({ path: at('/copies'), message: 'must be an integer 1-99999' });
  }
  const locale = req.locale ?? DEFAULT_LOCALE;
  const currency = req.currency ?? DEFAULT_CURRENCY;
  const localeProblem = checkLocaleAndCurrency(locale, currency);
  if (localeProblem) issues.push({ path: at('/locale'), message: localeProblem });
  if (!Value.Check(template.schema, req.data)) {
    const errors = [...Value.Errors(template.schema, req.data)];
    // A union (money amounts) reports each branch's failure too; its own error says it all.
    const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
    for (const e of errors) {
      // additionalProperties reports twice (a 'boolean' error on the property too); keep one.
      if (e.keyword === 'boolean') continue;
      if (e.keyword !== 'anyOf' && unionPaths.has(e.instancePath)) continue;
      issues.push({ path: at(`/data${e.instancePath}`), message: describe(e) });
    }
  } else {
    for (const i of template.check(req.data)) issues.push({ path: at(`/data${i.path}`), message: i.message });
  }
  if (issues.length > 0) throw new LabelDataError(issues);
  const layout = template.layout(req.data, {
    widthMm: size.widthMm,
    heightMm: size.heightMm,
    dpmm,
    locale,
    currency,
  });
  return { template: req.template, layout, copies, ...(req.zplFont ? { zplFont: req.zplFont } : {}) };
}

function describe(e: { keyword: string; message: string; params: unknown }): string {
  const params = e.params as { additionalProperties?: string[]; requiredProperties?: string[] };
  if (e.keyword === 'additionalProperties' && params.additionalProperties) {
    return `unknown field(s): ${params.additionalProperties.join(', ')}`;
  }
  if (e.keyword === 'required' && params.requiredProperties)
    return `missing field(s): ${params.requiredProperties.join(', ')}`;
  if (e.keyword === 'anyOf') return 'must be an amount ≥ 0: a number or a decimal string like "2.49"';
  return e.message;
}

/** One label as ZPL II (ends with ^XZ and a newline). */
export function renderZpl(req: LabelRequest): string {
  const p = prepareLabel(req);
  return layoutToZpl(p.layout, { copies: p.copies, ...(p.zplFont ? { font: p.zplFont } : {}) });
}

/** Several labels as one ZPL stream (one ^XA…^XZ format each), for a single print job. */
export function renderZplBatch(reqs: LabelRequest[]): string {
  const prepared = prepareAll(reqs);
  return prepared
    .map((p) => layoutToZpl(p.layout, { copies: p.copies, ...(p.zplFont ? { font: p.zplFont } : {}) }))
    .join('');
}

/** One label as a PDF document (one page per copy). */
export function renderPdf(req: LabelRequest): Promise<Buffer> {
  return renderPdfBatch([req]);
}

/** Many labels in one PDF document, one page per label copy; sizes may differ per label. */
export async function renderPdfBatch(reqs: LabelRequest[]): Promise<Buffer> {
  const prepared = prepareAll(reqs);
  // pdfkit and bwip-js take ~0.5 s to load; ZPL-only users (the CLI, the print queue) skip it.
  const { PdfLabelDocument } = await import('./pdf.js');
  const doc = new PdfLabelDocument();
  for (const p of prepared) doc.addLabel(p.layout, p.copies);
  return doc.end();
}

/** Validates every request first, so a batch fails whole with every problem (`/3/data/gtin`). */
function prepareAll(reqs: LabelRequest[]): PreparedLabel[] {
  const issues: Issue[] = [];
  const out: PreparedLabel[] = [];
  reqs.forEach((r, i) => {
    try {
      out.push(prepareLabel(r, reqs.length === 1 ? '' : `/${i}`));
    } catch (err) {
      if (err instanceof LabelDataError) issues.push(...err.issues);
      else throw err;
    }
  });
  if (issues.length > 0) throw new LabelDataError(issues);
  return out;
}

export type LabelFormat = 'zpl' | 'pdf';

/** `format: 'zpl'` → ZPL text; `format: 'pdf'` → PDF bytes. */
export function renderLabel(req: LabelRequest & { format: 'zpl' }): Promise<string>;
export function renderLabel(req: LabelRequest & { format: 'pdf' }): Promise<Buffer>;
export function renderLabel(req: LabelRequest & { format: LabelFormat }): Promise<string | Buffer>;
export async function renderLabel(req: LabelRequest & { format: LabelFormat }): Promise<string | Buffer> {
  if (req.format === 'zpl') return renderZpl(req);
  if (req.format === 'pdf') return renderPdf(req);
  throw new LabelDataError([
    { path: '/format', message: `format must be zpl or pdf, not '${String(req.format)}'` },
  ]);
}

/** The sample data of a template (what `store-edge label render` prints without --data). */
export function sampleLabelData(template: TemplateName): unknown {
  return structuredClone(templates[template].sample);
}
