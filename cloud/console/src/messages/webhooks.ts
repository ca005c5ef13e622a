import type { Messages } from './types.js';

/** Webhooks (pages/webhooks.tsx). */
export const en = {
  'webhooks.intro':
    'The cloud calls your URL when these events happen, signed with HMAC-SHA256 and the secret.',
  'webhooks.new': 'New subscription',
  'webhooks.url': 'URL',
  'webhooks.secret': 'Secret',
  'webhooks.secretHint': 'At least 16 characters. It is not shown again.',
  'webhooks.events': 'Events',
  'webhooks.event.movements.applied': 'Movements arrived from a store',
  'webhooks.event.reservation.changed': 'A reservation changed',
  'webhooks.event.store.stale': 'A store has not replicated for a long time',
  'webhooks.event.store.offline': 'A store went offline',
  'webhooks.submit': 'Subscribe',
  'webhooks.created': '{url} is subscribed (id {id}).',
};

export const de: Messages<typeof en> = {
  'webhooks.intro':
    'Die Cloud ruft Ihre URL bei diesen Ereignissen auf, signiert mit HMAC-SHA256 und dem Geheimnis.',
  'webhooks.new': 'Neues Abonnement',
  'webhooks.url': 'URL',
  'webhooks.secret': 'Geheimnis',
  'webhooks.secretHint': 'Mindestens 16 Zeichen. Es wird nicht wieder angezeigt.',
  'webhooks.events': 'Ereignisse',
  'webhooks.event.movements.applied': 'Bewegungen aus einer Filiale angekommen',
  'webhooks.event.reservation.changed': 'Eine Reservierung hat sich geändert',
  'webhooks.event.store.stale': 'Eine Filiale hat lange nichts übertragen',
  'webhooks.event.store.offline': 'Eine Filiale ist offline gegangen',
  'webhooks.submit': 'Abonnieren',
  'webhooks.created': '{url} ist abonniert (Kennung {id}).',
};

export const es: Messages<typeof en> = {
  'webhooks.intro':
    'La nube llama a su URL cuando ocurren estos eventos, firmados con HMAC-SHA256 y el secreto.',
  'webhooks.new': 'Nueva suscripción',
  'webhooks.url': 'URL',
  'webhooks.secret': 'Secreto',
  'webhooks.secretHint': 'Al menos 16 caracteres. No se vuelve a mostrar.',
  'webhooks.events': 'Eventos',
  'webhooks.event.movements.applied': 'Llegaron movimientos de una tienda',
  'webhooks.event.reservation.changed': 'Una reserva cambió',
  'webhooks.event.store.stale': 'Una tienda lleva mucho tiempo sin replicar',
  'webhooks.event.store.offline': 'Una tienda se desconectó',
  'webhooks.submit': 'Suscribir',
  'webhooks.created': '{url} está suscrita (id {id}).',
};
