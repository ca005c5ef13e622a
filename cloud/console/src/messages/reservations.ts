import type { Messages } from './types.js';

/** Reservations (pages/reservations.tsx). */
export const en = {
  'reservation.new': 'Reserve stock in a store',
  'reservation.pickStore': 'Choose a store',
  'reservation.ref': 'Order reference',
  'reservation.refHint': 'Shown to the store staff, e.g. the web order number.',
  'reservation.submit': 'Ask the store',
  'reservation.lookup': 'Follow a reservation by its id',
  'reservation.recent': 'Reservations followed in this window',
  'reservation.id': 'Id',
  'reservation.none': 'None yet.',
  'reservation.requested': 'Requested',
  'reservation.accepted': 'Accepted',
  'reservation.rejected': 'Rejected',
  'reservation.fulfilled': 'Fulfilled',
  'reservation.released': 'Released',
};

export const de: Messages<typeof en> = {
  'reservation.new': 'Bestand in einer Filiale reservieren',
  'reservation.pickStore': 'Filiale wählen',
  'reservation.ref': 'Auftragsreferenz',
  'reservation.refHint': 'Wird dem Filialpersonal gezeigt, z. B. die Nummer der Online-Bestellung.',
  'reservation.submit': 'Filiale anfragen',
  'reservation.lookup': 'Reservierung über ihre Kennung verfolgen',
  'reservation.recent': 'In diesem Fenster verfolgte Reservierungen',
  'reservation.id': 'Kennung',
  'reservation.none': 'Noch keine.',
  'reservation.requested': 'Angefragt',
  'reservation.accepted': 'Angenommen',
  'reservation.rejected': 'Abgelehnt',
  'reservation.fulfilled': 'Erfüllt',
  'reservation.released': 'Freigegeben',
};

export const es: Messages<typeof en> = {
  'reservation.new': 'Reservar existencias en una tienda',
  'reservation.pickStore': 'Elija una tienda',
  'reservation.ref': 'Referencia del pedido',
  'reservation.refHint': 'Se muestra al personal de la tienda, p. ej. el número del pedido web.',
  'reservation.submit': 'Solicitar a la tienda',
  'reservation.lookup': 'Seguir una reserva por su id',
  'reservation.recent': 'Reservas seguidas en esta ventana',
  'reservation.id': 'Id',
  'reservation.none': 'Ninguna todavía.',
  'reservation.requested': 'Solicitada',
  'reservation.accepted': 'Aceptada',
  'reservation.rejected': 'Rechazada',
  'reservation.fulfilled': 'Cumplida',
  'reservation.released': 'Liberada',
};
