/**
 * The edge agent's error registry: every error the agent answers a request with has a stable
 * code here, numbered in ranges by area (as zwave-js numbers `ZWaveErrorCodes`, and Fastify lists
 * its `FST_ERR_*` in one `errors.js`). Domain code throws {@link EdgeError} with a code and never
 * an HTTP status; {@link EDGE_ERRORS} is the one table that turns a code into the problem `type`,
 * `status` and `title` the API answers with (http/problem.ts), and docs/errors.md is generated
 * from it (`npm run docs:errors`).
 *
 * Never renumber a code or change a `type`: the type is part of the HTTP contract (CONTRACT.md),
 * and it is stored here, not derived from the title, so a title can be reworded freely.
 */
export const ErrorCode = {
  // 100–199: the HTTP request itself (Fastify's own refusals, the fallbacks)
  /** A body, query or path field breaks the route's schema or a rule checked before the ledger. */
  Request_Invalid: 100,
  /** The body is not valid JSON, or another 400 Fastify raises. */
  Request_Malformed: 101,
  /** No route has this method and path. */
  Request_RouteNotFound: 102,
  Request_MethodNotAllowed: 103,
  /** The body is over the 2 MiB body limit. */
  Request_BodyTooLarge: 104,
  Request_UnsupportedMediaType: 105,
  /** A 401 raised by Fastify or a plugin rather than by the agent's own auth. */
  Request_Unauthorized: 106,
  /** A 403 raised by Fastify or a plugin rather than by the agent's own auth. */
  Request_Forbidden: 107,
  /** A 429 raised by Fastify or a plugin. */
  Request_TooMany: 108,
  /** Any other 4xx Fastify or a plugin raises. */
  Request_Other: 109,
  /** The agent failed; the error is logged, the answer says no more. */
  Internal: 199,

  // 200–299: authentication and roles
  Auth_NoToken: 200,
  Auth_TokenUnknown: 201,
  Auth_TicketInvalid: 202,
  Auth_NotLoggedIn: 203,
  Auth_WrongPassword: 204,
  Auth_LoginLocked: 205,
  Auth_RoleForbidden: 206,
  /** POST /events/tickets without a bearer token (a ticket cannot be exchanged for a ticket). */
  Auth_TicketNeedsToken: 207,
  Auth_TooManyTickets: 208,

  // 300–399: the stock ledger and movements
  Ledger_InvalidId: 300,
  Ledger_MovementIdReused: 301,
  Ledger_UnknownCode: 302,
  Ledger_UnknownSku: 303,
  Ledger_MissingItem: 304,
  Ledger_MissingRef: 305,
  Ledger_MissingReason: 306,
  Ledger_QuantityTooLarge: 307,
  Ledger_NotEnoughStock: 308,
  Ledger_NoSuchReservation: 309,
  Ledger_Restoring: 310,
  Ledger_BatchTooLarge: 311,
  Ledger_DiskLow: 312,
  /** The caller's role may not post this movement type. */
  Ledger_TypeForbidden: 313,

  // 400–449: the catalog
  Catalog_ItemNotFound: 400,
  Catalog_GtinConflict: 401,

  // 450–499: users
  Users_Exists: 450,
  Users_NotFound: 451,

  // 500–599: devices
  Devices_NotFound: 500,
  Devices_InvalidConfig: 501,

  // 600–699: label printing
  Printing_JobNotFound: 600,
  Printing_JobIdReused: 601,
  Printing_JobNotUncertain: 602,
  Printing_JobActive: 603,
  Printing_PrinterNotFound: 604,
  Printing_UnknownTemplate: 605,
  Printing_LabelData: 606,
  Printing_ItemNotFound: 607,

  // 700–799: replication to the cloud
  Replication_NoCloud: 700,
  Replication_RecordNotFound: 701,
  Replication_RecordAcknowledged: 702,

  // 800–899: RFID counts
  Rfid_UnknownZone: 800,
  Rfid_CountRunning: 801,
  Rfid_CountFinishing: 802,
  Rfid_CountNotFound: 803,

  // 900–999: scanner counts
  Scanning_NoRunningCount: 900,

  // 1000–1099: live events (SSE)
  Events_TooManyStreams: 1000,
  Events_TooManyUserStreams: 1001,

  // 1100–1199: deliveries, receipts and transfers
  Deliveries_NotFound: 1100,
  /** Receiving into (choosing) a delivery that is closed. */
  Deliveries_Closed: 1101,
  /** A transfer id again with other lines or another destination. */
  Deliveries_TransferIdReused: 1102,
  Deliveries_TransferNotFound: 1103,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorEntry {
  /** The last part of the problem `type` URI (after {@link PROBLEM_TYPE_BASE}); stable. */
  type: string;
  status: number;
  /** Set on the fallbacks, answered with the status of what failed (the docs show the range). */
  statusRange?: '4xx' | '5xx';
  title: string;
  /** When it is answered (docs/errors.md). */
  meaning: string;
  /** What the caller does about it (docs/errors.md). */
  action?: string;
}

export const PROBLEM_TYPE_BASE = 'https://store-edge.dev/problems/';

/** The one table: code → problem type, status and title (and the docs' words). */
export const EDGE_ERRORS: Readonly<Record<ErrorCode, ErrorEntry>> = {
  [ErrorCode.Request_Invalid]: {
    type: 'validation',
    status: 400,
    title: 'Invalid request',
    meaning: 'a field has the wrong type, is missing, or breaks a rule; nothing was applied',
    action: 'fix the named fields',
  },
  [ErrorCode.Request_Malformed]: {
    type: 'bad-request',
    status: 400,
    title: 'Bad request',
    meaning: 'the body is not valid JSON',
    action: 'send JSON',
  },
  [ErrorCode.Request_RouteNotFound]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: 'no such route',
  },
  [ErrorCode.Request_MethodNotAllowed]: {
    type: 'method-not-allowed',
    status: 405,
    title: 'Method not allowed',
    meaning: 'the route does not take this method',
  },
  [ErrorCode.Request_BodyTooLarge]: {
    type: 'payload-too-large',
    status: 413,
    title: 'Payload too large',
    meaning: 'a body over 2 MiB',
    action: 'split the batch',
  },
  [ErrorCode.Request_UnsupportedMediaType]: {
    type: 'unsupported-media-type',
    status: 415,
    title: 'Unsupported media type',
    meaning: 'not `application/json`',
  },
  [ErrorCode.Request_Unauthorized]: {
    type: 'unauthorized',
    status: 401,
    title: 'Unauthorized',
    meaning: 'refused by the HTTP layer before the agent saw the request',
  },
  [ErrorCode.Request_Forbidden]: {
    type: 'forbidden',
    status: 403,
    title: 'Forbidden',
    meaning: 'refused by the HTTP layer (e.g. a static file outside the console)',
  },
  [ErrorCode.Request_TooMany]: {
    type: 'too-many-requests',
    status: 429,
    title: 'Too many requests',
    meaning: 'refused by the HTTP layer',
    action: 'wait `Retry-After` seconds',
  },
  [ErrorCode.Request_Other]: {
    type: 'error',
    status: 400,
    statusRange: '4xx',
    title: 'Error',
    meaning: 'any other 4xx the HTTP layer answers',
  },
  [ErrorCode.Internal]: {
    type: 'internal',
    status: 500,
    statusRange: '5xx',
    title: 'Internal error',
    meaning: 'the agent failed; it is logged with the request',
    action: 'retry; report it with the agent log',
  },

  [ErrorCode.Auth_NoToken]: {
    type: 'unauthorized',
    status: 401,
    title: 'Unauthorized',
    meaning: 'no `Authorization: Bearer` token',
    action: 'log in (`POST /api/v1/auth/token`)',
  },
  [ErrorCode.Auth_TokenUnknown]: {
    type: 'unauthorized',
    status: 401,
    title: 'Unauthorized',
    meaning: 'an unknown, expired or logged-out token',
    action: 'log in again',
  },
  [ErrorCode.Auth_TicketInvalid]: {
    type: 'unauthorized',
    status: 401,
    title: 'Unauthorized',
    meaning: 'on `GET /events?ticket=`: a used, expired or unknown ticket',
    action: 'ask `POST /events/tickets` for a new ticket',
  },
  [ErrorCode.Auth_NotLoggedIn]: {
    type: 'unauthorized',
    status: 401,
    title: 'Unauthorized',
    meaning: 'a route that needs a role was reached without a caller',
    action: 'log in',
  },
  [ErrorCode.Auth_WrongPassword]: {
    type: 'unauthorized',
    status: 401,
    title: 'Unauthorized',
    meaning: 'a wrong username or password',
  },
  [ErrorCode.Auth_LoginLocked]: {
    type: 'too-many-requests',
    status: 429,
    title: 'Too many requests',
    meaning: 'too many failed logins',
    action: 'wait `Retry-After` seconds',
  },
  [ErrorCode.Auth_RoleForbidden]: {
    type: 'forbidden',
    status: 403,
    title: 'Forbidden',
    meaning: 'the role may not do this',
    action: 'ask a manager',
  },
  [ErrorCode.Auth_TicketNeedsToken]: {
    type: 'unauthorized',
    status: 401,
    title: 'Unauthorized',
    meaning: '`POST /events/tickets` without a bearer token',
    action: 'log in',
  },
  [ErrorCode.Auth_TooManyTickets]: {
    type: 'too-many-requests',
    status: 429,
    title: 'Too many requests',
    meaning: 'too many unused event tickets of one user',
    action: 'use one, or wait `Retry-After` seconds',
  },

  [ErrorCode.Ledger_InvalidId]: {
    type: 'invalid-id',
    status: 422,
    title: 'Invalid id',
    meaning: 'a movement id is not a UUID; nothing of the batch was applied',
    action: 'send a UUID',
  },
  [ErrorCode.Ledger_MovementIdReused]: {
    type: 'movement-id-reused',
    status: 409,
    title: 'Movement id reused',
    meaning: 'the movement id was recorded before with other content; `seq` names the record',
    action: 'use a new id for a new movement',
  },
  [ErrorCode.Ledger_UnknownCode]: {
    type: 'unknown-code',
    status: 422,
    title: 'Unknown code',
    meaning: 'no item has this barcode; nothing of the batch was applied',
    action: 'add the item (`PUT /items/{sku}`) or fix the code',
  },
  [ErrorCode.Ledger_UnknownSku]: {
    type: 'unknown-sku',
    status: 422,
    title: 'Unknown sku',
    meaning: 'no item has this sku; nothing of the batch was applied',
    action: 'add the item (`PUT /items/{sku}`) or fix the sku',
  },
  [ErrorCode.Ledger_MissingItem]: {
    type: 'missing-item',
    status: 422,
    title: 'Missing item',
    meaning: 'a movement names neither a sku nor a code',
    action: 'send `sku` or `code`',
  },
  [ErrorCode.Ledger_MissingRef]: {
    type: 'missing-ref',
    status: 422,
    title: 'Missing ref',
    meaning: 'a reserve, release or ship movement without `ref`',
    action: 'name the reservation in `ref`',
  },
  [ErrorCode.Ledger_MissingReason]: {
    type: 'missing-reason',
    status: 422,
    title: 'Missing reason',
    meaning: 'an adjust movement without `reason`',
    action: 'say why in `reason`',
  },
  [ErrorCode.Ledger_QuantityTooLarge]: {
    type: 'quantity-too-large',
    status: 422,
    title: 'Quantity too large',
    meaning: "`qty` × the case's pack size exceeds 2,000,000,000 units (the pack changed meanwhile)",
    action: 'book fewer cases per movement',
  },
  [ErrorCode.Ledger_NotEnoughStock]: {
    type: 'not-enough-available-stock',
    status: 409,
    title: 'Not enough available stock',
    meaning: 'a reservation larger than available; `onHand`, `reserved`, `available` are in the body',
    action: 'reserve less',
  },
  [ErrorCode.Ledger_NoSuchReservation]: {
    type: 'no-such-open-reservation',
    status: 409,
    title: 'No such open reservation',
    meaning: 'release or ship more than the reservation named in `ref` holds; `open` is in the body',
  },
  [ErrorCode.Ledger_Restoring]: {
    type: 'ledger-restoring',
    status: 503,
    title: 'Ledger restoring',
    meaning: 'the ledger is being restored from the cloud (`detail` says how far); nothing applied',
    action: 'retry with the same movement ids',
  },
  [ErrorCode.Ledger_BatchTooLarge]: {
    type: 'payload-too-large',
    status: 413,
    title: 'Payload too large',
    meaning: 'more than 1000 movements in one batch',
    action: 'split the batch',
  },
  [ErrorCode.Ledger_DiskLow]: {
    type: 'insufficient-storage',
    status: 507,
    title: 'Insufficient storage',
    meaning:
      "less than `replication.diskFloorBytes` free under the data dir; nothing applied, `detail` says what's free",
    action: 'free disk space, then retry with the same movement ids',
  },
  [ErrorCode.Ledger_TypeForbidden]: {
    type: 'forbidden',
    status: 403,
    title: 'Forbidden',
    meaning:
      "the role may not post this movement type (e.g. an associate posting `adjust`, a `device` posting `count` or `damage`); `errors[].path` names the movement's `type`",
    action: 'ask a manager',
  },

  [ErrorCode.Catalog_ItemNotFound]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: 'no item has this sku',
  },
  [ErrorCode.Catalog_GtinConflict]: {
    type: 'gtin-conflict',
    status: 409,
    title: 'GTIN belongs to another item',
    meaning: '`PUT /items/{sku}` with a GTIN of another item; `sku` names it',
    action: 'send `moveGtins: true` to move it, or fix the GTIN',
  },

  [ErrorCode.Users_Exists]: {
    type: 'conflict',
    status: 409,
    title: 'Conflict',
    meaning: '`POST /users` for a username that exists',
  },
  [ErrorCode.Users_NotFound]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: 'no user has this username',
  },

  [ErrorCode.Devices_NotFound]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: 'no device has this id',
  },
  [ErrorCode.Devices_InvalidConfig]: {
    type: 'validation',
    status: 400,
    title: 'Invalid request',
    meaning: "a device's settings break its kind's rules; nothing was changed",
    action: 'fix the named fields',
  },

  [ErrorCode.Printing_JobNotFound]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: 'no print job has this id',
  },
  [ErrorCode.Printing_JobIdReused]: {
    type: 'conflict',
    status: 409,
    title: 'Conflict',
    meaning: 'a print job id exists with another printer, template or items; `job` is in the body',
    action: 'use a new id',
  },
  [ErrorCode.Printing_JobNotUncertain]: {
    type: 'conflict',
    status: 409,
    title: 'Conflict',
    meaning: 'confirming a print job that is not `uncertain`',
  },
  [ErrorCode.Printing_JobActive]: {
    type: 'conflict',
    status: 409,
    title: 'Conflict',
    meaning: 'reprinting a job that is still queued or printing',
    action: 'wait until it is done',
  },
  [ErrorCode.Printing_PrinterNotFound]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: 'no `zpl-printer` device has this id',
  },
  [ErrorCode.Printing_UnknownTemplate]: {
    type: 'bad-request',
    status: 400,
    title: 'Bad request',
    meaning: 'a label preview names an unknown template',
    action: 'use one of the templates the detail lists',
  },
  [ErrorCode.Printing_LabelData]: {
    type: 'label-data',
    status: 422,
    title: 'Cannot print',
    meaning: 'the label cannot be made from the data (no GTIN, a price missing, …); `errors` names them',
    action: 'fix the items, or choose another template',
  },
  [ErrorCode.Printing_ItemNotFound]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: 'a label preview for a sku no item has',
  },

  [ErrorCode.Replication_NoCloud]: {
    type: 'conflict',
    status: 409,
    title: 'Conflict',
    meaning: '`POST /replication/records/{seq}/void` with no cloud configured',
    action: 'nothing to repair',
  },
  [ErrorCode.Replication_RecordNotFound]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: '`POST /replication/records/{seq}/void` for a seq the ledger does not hold',
  },
  [ErrorCode.Replication_RecordAcknowledged]: {
    type: 'conflict',
    status: 409,
    title: 'Conflict',
    meaning: '`POST /replication/records/{seq}/void` for a record the cloud already acknowledged',
    action: 'nothing to repair',
  },

  [ErrorCode.Rfid_UnknownZone]: {
    type: 'unknown-zone',
    status: 422,
    title: 'Unknown zone',
    meaning: 'an RFID count in a zone no `rfid-reader` covers',
    action: "fix the zone, or set the reader's zone",
  },
  [ErrorCode.Rfid_CountRunning]: {
    type: 'count-running',
    status: 409,
    title: 'Count running',
    meaning: 'an RFID count is already running in the zone; `countId` names it',
    action: 'finish or use that count',
  },
  [ErrorCode.Rfid_CountFinishing]: {
    type: 'count-finishing',
    status: 409,
    title: 'Count finishing',
    meaning: 'the RFID count is being booked by another request',
    action: 'ask for the count again in a moment',
  },
  [ErrorCode.Rfid_CountNotFound]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: 'no RFID count has this id',
  },

  [ErrorCode.Scanning_NoRunningCount]: {
    type: 'not-found',
    status: 404,
    title: 'Not found',
    meaning: 'no count is running on this scanner',
  },

  [ErrorCode.Events_TooManyStreams]: {
    type: 'too-many-event-streams',
    status: 503,
    title: 'Service unavailable',
    meaning: 'the agent has `events.maxStreams` event streams open',
    action: 'wait `Retry-After` seconds; raise the setting',
  },
  [ErrorCode.Events_TooManyUserStreams]: {
    type: 'too-many-event-streams',
    status: 429,
    title: 'Too many requests',
    meaning: 'the user has `events.maxStreamsPerUser` event streams open',
    action: 'close a console tab, or raise the setting',
  },

  [ErrorCode.Deliveries_NotFound]: {
    type: 'delivery-not-found',
    status: 404,
    title: 'Delivery not found',
    meaning: 'no expected delivery with this id has reached the store (the change feed brings them)',
    action: 'check the id; an offline store gets new deliveries when its link returns',
  },
  [ErrorCode.Deliveries_Closed]: {
    type: 'delivery-closed',
    status: 409,
    title: 'Delivery closed',
    meaning: 'the delivery is closed into its receipt; nothing more is received against it',
    action: 'receive against another delivery, or without one',
  },
  [ErrorCode.Deliveries_TransferIdReused]: {
    type: 'transfer-id-reused',
    status: 409,
    title: 'Transfer id reused',
    meaning: 'a transfer with this id was shipped with other lines or to another store',
    action: 'use a new id for a new transfer; resend the same request to retry',
  },
  [ErrorCode.Deliveries_TransferNotFound]: {
    type: 'transfer-not-found',
    status: 404,
    title: 'Transfer not found',
    meaning: 'this store shipped no transfer with this id',
  },
};

/** The name of a code (`Ledger_UnknownSku`), for logs and the docs. */
export function errorCodeName(code: ErrorCode): string {
  return (
    (Object.keys(ErrorCode) as Array<keyof typeof ErrorCode>).find((k) => ErrorCode[k] === code) ??
    String(code)
  );
}

export interface EdgeErrorOptions {
  /** JSON pointer into the request to the field at fault; answered as `errors: [{path, message}]`. */
  path?: string;
  /** Further problem members (`errors`, `seq`, `countId`, …), answered as they are. */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * An error of the agent's domain: a stable {@link ErrorCode} and a message for people (the
 * problem's `detail`). The HTTP status comes from {@link EDGE_ERRORS}, never from the thrower.
 */
export class EdgeError<C extends ErrorCode = ErrorCode> extends Error {
  readonly path?: string;
  readonly extra?: Record<string, unknown>;

  constructor(
    readonly code: C,
    message: string,
    options: EdgeErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EdgeError';
    if (options.path !== undefined) this.path = options.path;
    if (options.extra !== undefined) this.extra = options.extra;
  }

  /** The table's title for this code ("Unknown sku"). */
  get title(): string {
    return EDGE_ERRORS[this.code].title;
  }
}

/** Narrows to an {@link EdgeError}, optionally one of the given codes. */
export function isEdgeError<C extends ErrorCode>(err: unknown, code?: C | readonly C[]): err is EdgeError<C> {
  if (!(err instanceof EdgeError)) return false;
  if (code === undefined) return true;
  return Array.isArray(code) ? code.includes(err.code as C) : err.code === code;
}
