/**
 * Movement ids (CONTRACT.md "movement fields": `id` is a UUID and the idempotency key).
 *
 * RFC 9562 §4 says a UUID's hex digits are case-insensitive on input and lower case on output,
 * and RFC 9562 §4 / RFC 4122 §3 define the `urn:uuid:` URN form of the same UUID. A scanner
 * app, a till and a retrying client may send any of these forms, so every place that compares,
 * stores or looks up a movement id goes through this one function: the edge API, the ledger's
 * UNIQUE column, restore adoption and cloud ingest. Two strings name the same movement exactly
 * when their canonical ids are equal.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const URN_PREFIX = 'urn:uuid:';

/** The canonical form of a movement id: the bare UUID in lower case; `null` if it is not one. */
export function canonicalId(id: string): string | null {
  let s = id.toLowerCase();
  if (s.startsWith(URN_PREFIX)) s = s.slice(URN_PREFIX.length);
  return UUID.test(s) ? s : null;
}

/** Pattern for JSON schemas: a UUID in any case, bare or as a `urn:uuid:` URN. */
export const MOVEMENT_ID_PATTERN =
  '^(?:[uU][rR][nN]:[uU][uU][iI][dD]:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
