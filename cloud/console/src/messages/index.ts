// Every page's texts in one dictionary per language. A new page adds its messages/<page>.ts
// (English first; German and Spanish typed against it) and one line in each object below.
import * as catalog from './catalog.js';
import * as common from './common.js';
import * as deliveries from './deliveries.js';
import * as fleet from './fleet.js';
import * as prices from './prices.js';
import * as replenishment from './replenishment.js';
import * as reservations from './reservations.js';
import * as stock from './stock.js';
import * as store from './store.js';
import type { Messages } from './types.js';
import * as webhooks from './webhooks.js';

export const en = {
  ...common.en,
  ...fleet.en,
  ...store.en,
  ...stock.en,
  ...catalog.en,
  ...reservations.en,
  ...webhooks.en,
  ...deliveries.en,
  ...replenishment.en,
  ...prices.en,
};

export const de: Messages<typeof en> = {
  ...common.de,
  ...fleet.de,
  ...store.de,
  ...stock.de,
  ...catalog.de,
  ...reservations.de,
  ...webhooks.de,
  ...deliveries.de,
  ...replenishment.de,
  ...prices.de,
};

export const es: Messages<typeof en> = {
  ...common.es,
  ...fleet.es,
  ...store.es,
  ...stock.es,
  ...catalog.es,
  ...reservations.es,
  ...webhooks.es,
  ...deliveries.es,
  ...replenishment.es,
  ...prices.es,
};
