import type { Messages } from './types.js';

/** Catalog and prices (pages/catalog.tsx). */
export const en = {
  'catalog.search': 'Find an item (SKU or name)',
  'catalog.sku': 'SKU',
  'catalog.name': 'Name',
  'catalog.gtins': 'Barcodes',
  'catalog.priceHead': 'Price',
  'catalog.price': 'Price ({currency})',
  'catalog.priceHint': 'A decimal number, e.g. 1.29; it reaches the stores within a minute.',
  'catalog.edit': 'Edit {sku}',
  'catalog.editLabel': 'Edit {sku}',
  'catalog.saved': '{sku} saved. The stores receive the change through their feed.',
  'catalog.none': 'No items.',
};

export const de: Messages<typeof en> = {
  'catalog.search': 'Artikel suchen (Artikelnummer oder Name)',
  'catalog.sku': 'Artikelnr.',
  'catalog.name': 'Name',
  'catalog.gtins': 'Barcodes',
  'catalog.priceHead': 'Preis',
  'catalog.price': 'Preis ({currency})',
  'catalog.priceHint': 'Eine Dezimalzahl, z. B. 1,29; sie erreicht die Filialen innerhalb einer Minute.',
  'catalog.edit': '{sku} bearbeiten',
  'catalog.editLabel': '{sku} bearbeiten',
  'catalog.saved': '{sku} gespeichert. Die Filialen erhalten die Änderung über ihren Änderungsfeed.',
  'catalog.none': 'Keine Artikel.',
};

export const es: Messages<typeof en> = {
  'catalog.search': 'Buscar artículo (SKU o nombre)',
  'catalog.sku': 'SKU',
  'catalog.name': 'Nombre',
  'catalog.gtins': 'Códigos de barras',
  'catalog.priceHead': 'Precio',
  'catalog.price': 'Precio ({currency})',
  'catalog.priceHint': 'Un número decimal, p. ej. 1,29; llega a las tiendas en un minuto.',
  'catalog.edit': 'Editar {sku}',
  'catalog.editLabel': 'Editar {sku}',
  'catalog.saved': '{sku} guardado. Las tiendas reciben el cambio por su canal de cambios.',
  'catalog.none': 'No hay artículos.',
};
