// Deliveries and transfers at head office: what the routes and tests use from deliveries/.
export { createDelivery } from './new-delivery.js';
export { applyReceipt } from './receipts.js';
export { applyTransfer, listTransfers, transferView } from './transfers.js';
export type {
  DeliveryLine,
  DeliveryStatus,
  DeliveryView,
  NewDeliveryBody,
  ReceiptBody,
  TransferBody,
  TransferLine,
  TransferView,
} from './types.js';
export { getDelivery, listDeliveries } from './views.js';
