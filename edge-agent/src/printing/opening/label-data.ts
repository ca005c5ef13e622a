import type { LabelRequest, NetContent } from '@store-edge/labels';
import { sameAmount } from '@store-edge/protocol';
import type { DeviceConfig, Settings } from '../../config/settings.js';
import type { CatalogItem } from '../../ledger/catalog.js';
import type { PriceInForce } from '../../prices/types.js';
import { printerMedia } from '../labels.js';
import { localDate } from './zoned.js';

/** The net content of a catalog item, when it has one (CONTRACT.md v2: items take `netContent`). */
export function netContentOf(item: CatalogItem): NetContent | undefined {
  const n = (item as CatalogItem & { netContent?: unknown }).netContent;
  if (typeof n !== 'object' || n === null) return undefined;
  const { amount, unit } = n as { amount?: unknown; unit?: unknown };
  if ((typeof amount !== 'number' && typeof amount !== 'string') || typeof unit !== 'string')
    return undefined;
  return { amount, unit: unit as NetContent['unit'] };
}

export interface PriceLabelContext {
  labels: Settings['labels'];
  printer?: DeviceConfig;
  /** The store's zone: a promotion's last day is the store-local date. */
  timeZone: string;
}

/**
 * The shelf label of an item as it must read at one instant: a promotion that reduces the
 * price gets the promotion label (price, regular price, the 30-day prior price of Directive
 * 98/6/EC Art. 6a, unit price); any other price the plain shelf label with its unit price.
 */
export function priceLabelRequest(item: CatalogItem, p: PriceInForce, ctx: PriceLabelContext): LabelRequest {
  const gtin = item.gtins[0];
  const netContent = netContentOf(item);
  const common = {
    sku: item.sku,
    name: item.name,
    ...(gtin ? { gtin } : {}),
    currency: p.price.currency,
    ...(netContent ? { netContent } : {}),
  };
  const reduced = p.promotion !== null && !sameAmount(p.price.amount, p.regularPrice.amount);
  const media = { locale: ctx.labels.locale, currency: ctx.labels.currency, ...printerMedia(ctx.printer) };
  if (!reduced || !p.promotion)
    return { template: 'shelf', data: { ...common, price: p.price.amount }, ...media };
  // endsAt is the first instant without the promotion: its last day is the day before, locally.
  const lastDay = localDate(new Date(Date.parse(p.promotion.endsAt) - 1), ctx.timeZone);
  return {
    template: 'promo-shelf',
    data: {
      ...common,
      price: p.price.amount,
      regularPrice: p.regularPrice.amount,
      ...(p.lowestPrice30d ? { lowestPrice30d: p.lowestPrice30d.amount } : {}),
      promotion: p.promotion.name.slice(0, 80),
      until: lastDay,
    },
    ...media,
  };
}
