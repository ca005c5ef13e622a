import { type Dpmm, LabelDataError, type LabelRequest, renderZpl, sampleLabelData } from '@store-edge/labels';
import type { DeviceConfig, Settings } from '../config/settings.js';
import type { CatalogItem } from '../ledger/catalog.js';
import type { PriceInForce } from '../prices/types.js';
import { priceLabelRequest } from './opening/label-data.js';
import type { PrintItem } from './store.js';

/** Templates whose data comes from a catalog item (the others need data the catalog has not). */
export const CATALOG_TEMPLATES = ['shelf', 'item', 'gs1-datamatrix'] as const;
export type CatalogTemplate = (typeof CATALOG_TEMPLATES)[number];

export function isCatalogTemplate(t: string): t is CatalogTemplate {
  return (CATALOG_TEMPLATES as readonly string[]).includes(t);
}

/** A problem with one requested label, pointing into the request (`/items/2/sku`). */
export interface LabelProblem {
  path: string;
  message: string;
}

export class LabelRequestError extends Error {
  constructor(readonly problems: LabelProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'LabelRequestError';
  }
}

/** Label data for a catalog item, in the field names of labels/README.md. */
export function labelData(template: CatalogTemplate, item: CatalogItem): Record<string, unknown> {
  const gtin = item.gtins[0];
  switch (template) {
    case 'shelf':
      return {
        sku: item.sku,
        name: item.name,
        ...(gtin ? { gtin } : {}),
        ...(item.price ? { price: item.price.amount, currency: item.price.currency } : {}),
        // The unit price (Directive 98/6/EC Art. 3), computed by the template from the net content.
        ...(item.netContent ? { netContent: item.netContent } : {}),
      };
    case 'item':
      return {
        ...(gtin ? { gtin } : {}),
        name: item.name,
        ...(item.price ? { price: item.price.amount, currency: item.price.currency } : {}),
      };
    case 'gs1-datamatrix':
      return { ...(gtin ? { gtin } : {}), name: item.name };
  }
}

/** Stock size and resolution of a printer's device entry (CONTRACT.md `zpl-printer`). */
export function printerMedia(config: DeviceConfig | undefined): Pick<LabelRequest, 'dpmm' | 'size'> {
  if (!config) return {};
  const dpmm: Dpmm = config.dpmm === 12 ? 12 : 8;
  const { widthMm, heightMm } = config;
  const size =
    typeof widthMm === 'number' && typeof heightMm === 'number' ? { size: { widthMm, heightMm } } : {};
  return { dpmm, ...size };
}

export interface RenderContext {
  catalog: { get(sku: string): CatalogItem | null };
  labels: Settings['labels'];
  printer?: DeviceConfig;
  /**
   * The price in force of a sku at the instant the label is for (the prices feature): a shelf
   * label then shows it, as the promotion label when it is a reduction (Directive 98/6/EC Art. 6a).
   */
  prices?: { at(sku: string): PriceInForce | null; timeZone: string };
}

/** Label requests for catalog items; every problem at once, each with its path. */
export function catalogLabelRequests(
  ctx: RenderContext,
  template: string,
  items: PrintItem[],
): LabelRequest[] {
  if (!isCatalogTemplate(template)) {
    throw new LabelRequestError([
      {
        path: '/template',
        message: `template '${template}' needs data the catalog does not hold; printable from skus: ${CATALOG_TEMPLATES.join(', ')}`,
      },
    ]);
  }
  const problems: LabelProblem[] = [];
  const reqs: LabelRequest[] = [];
  items.forEach((it, i) => {
    const item = ctx.catalog.get(it.sku);
    if (!item) {
      problems.push({ path: `/items/${i}/sku`, message: `no item with sku '${it.sku}'` });
      return;
    }
    const inForce = template === 'shelf' ? ctx.prices?.at(it.sku) : null;
    const req: LabelRequest = inForce
      ? {
          ...priceLabelRequest(item, inForce, {
            labels: ctx.labels,
            printer: ctx.printer,
            timeZone: ctx.prices?.timeZone ?? 'UTC',
          }),
          copies: it.copies,
        }
      : {
          template,
          data: labelData(template, item),
          locale: ctx.labels.locale,
          currency: ctx.labels.currency,
          copies: it.copies,
          ...printerMedia(ctx.printer),
        };
    // Checked one by one so a problem names the sku it belongs to.
    try {
      renderZpl(req);
      reqs.push(req);
    } catch (err) {
      if (!(err instanceof LabelDataError)) throw err;
      for (const issue of err.issues)
        problems.push({ path: `/items/${i}${issue.path}`, message: `sku '${it.sku}': ${issue.message}` });
    }
  });
  if (problems.length > 0) throw new LabelRequestError(problems);
  return reqs;
}

/** The template's sample label on a printer's stock: what "test print" prints. */
export function sampleRequest(labels: Settings['labels'], printer?: DeviceConfig): LabelRequest {
  return {
    template: 'shelf',
    data: sampleLabelData('shelf'),
    locale: labels.locale,
    currency: labels.currency,
    ...printerMedia(printer),
  };
}
