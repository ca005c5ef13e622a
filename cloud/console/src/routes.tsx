import type { VNode } from 'preact';
import type { Key } from './i18n.js';
import { CatalogPage } from './pages/catalog.js';
import { DeliveriesPage, DeliveryPage } from './pages/deliveries.js';
import { FleetPage } from './pages/fleet.js';
import { LabelReadinessPage } from './pages/label-readiness.js';
import { PriceChangePage } from './pages/price-change.js';
import { PricesPage } from './pages/prices.js';
import { PromotionsPage } from './pages/promotions.js';
import { ReplenishmentPage } from './pages/replenishment.js';
import { ReservationsPage } from './pages/reservations.js';
import { StockPage } from './pages/stock.js';
import { StorePage } from './pages/store.js';
import { TransfersPage } from './pages/transfers.js';
import { WebhooksPage } from './pages/webhooks.js';

/**
 * The console's pages. Adding one: a module in pages/ (its texts in messages/<page>.ts, listed
 * in messages/index.ts) and an entry here; `nav` puts it into the main navigation.
 */
export interface PageDef {
  /** Matched against the path; groups are handed to `render`. */
  path: RegExp;
  /** The page's name in the navigation and the window title. */
  title: Key;
  /** Shown in the navigation at this path. */
  nav?: string;
  render: (params: string[], query: URLSearchParams) => VNode;
}

export const PAGES: PageDef[] = [
  { path: /^\/$/, nav: '/', title: 'nav.fleet', render: (_p, q) => <FleetPage query={q} /> },
  {
    path: /^\/stores\/([^/]+)$/,
    title: 'nav.store',
    render: (p) => <StorePage storeId={decodeURIComponent(p[0] ?? '')} />,
  },
  {
    path: /^\/stock$/,
    nav: '/stock',
    title: 'nav.stock',
    render: (_p, q) => <StockPage sku={q.get('sku') ?? ''} />,
  },
  { path: /^\/catalog$/, nav: '/catalog', title: 'nav.catalog', render: () => <CatalogPage /> },
  { path: /^\/prices$/, nav: '/prices', title: 'nav.prices', render: (_p, q) => <PricesPage query={q} /> },
  {
    path: /^\/prices\/([^/]+)$/,
    title: 'nav.priceChange',
    render: (p) => <PriceChangePage id={decodeURIComponent(p[0] ?? '')} />,
  },
  { path: /^\/promotions$/, nav: '/promotions', title: 'nav.promotions', render: () => <PromotionsPage /> },
  {
    path: /^\/labels$/,
    nav: '/labels',
    title: 'nav.labels',
    render: (_p, q) => <LabelReadinessPage query={q} />,
  },
  {
    path: /^\/reservations$/,
    nav: '/reservations',
    title: 'nav.reservations',
    render: () => <ReservationsPage />,
  },
  {
    path: /^\/deliveries$/,
    nav: '/deliveries',
    title: 'nav.deliveries',
    render: (_p, q) => <DeliveriesPage query={q} />,
  },
  {
    path: /^\/deliveries\/([^/]+)$/,
    title: 'nav.delivery',
    render: (p) => <DeliveryPage id={decodeURIComponent(p[0] ?? '')} />,
  },
  { path: /^\/transfers$/, nav: '/transfers', title: 'nav.transfers', render: () => <TransfersPage /> },
  {
    path: /^\/replenishment$/,
    nav: '/replenishment',
    title: 'nav.replenishment',
    render: (_p, q) => <ReplenishmentPage query={q} />,
  },
  { path: /^\/webhooks$/, nav: '/webhooks', title: 'nav.webhooks', render: () => <WebhooksPage /> },
];

export function matchPage(path: string): { page: PageDef; params: string[] } | null {
  for (const page of PAGES) {
    const m = page.path.exec(path);
    if (m) return { page, params: m.slice(1) };
  }
  return null;
}
