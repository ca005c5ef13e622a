import type { Messages } from './types.js';

/** Stock of a sku across stores (pages/stock.tsx), also used on the store page. */
export const en = {
  'stock.sku': 'SKU',
  'stock.hint': 'The stock of this SKU in every store you can see.',
  'stock.onHand': 'On hand',
  'stock.reserved': 'Reserved',
  'stock.available': 'Available',
  'stock.none': 'No store has stock of {sku}.',
  'stock.dataAge': 'Data as of',
  'stock.across': '{sku}: {n, plural, one {# unit} other {# units}} available',
};

export const de: Messages<typeof en> = {
  'stock.sku': 'Artikelnummer',
  'stock.hint': 'Der Bestand dieser Artikelnummer in allen Filialen, die Sie sehen dürfen.',
  'stock.onHand': 'Vorhanden',
  'stock.reserved': 'Reserviert',
  'stock.available': 'Verfügbar',
  'stock.none': 'Keine Filiale hat Bestand von {sku}.',
  'stock.dataAge': 'Datenstand',
  'stock.across': '{sku}: {n, plural, one {# Stück} other {# Stück}} verfügbar',
};

export const es: Messages<typeof en> = {
  'stock.sku': 'SKU',
  'stock.hint': 'Las existencias de este SKU en todas las tiendas que puede ver.',
  'stock.onHand': 'En mano',
  'stock.reserved': 'Reservado',
  'stock.available': 'Disponible',
  'stock.none': 'Ninguna tienda tiene existencias de {sku}.',
  'stock.dataAge': 'Datos de',
  'stock.across': '{sku}: {n, plural, one {# unidad disponible} other {# unidades disponibles}}',
};
