import { decodeEpc } from '@store-edge/drivers';

/** What the agent knows about an EPC without the catalog: its scheme and, for SGTINs, GTIN and serial. */
export interface TagIdentity {
  scheme: string;
  /** Pure-identity URI (TDS §6.3) for GS1 schemes; two encodings of one item share it. */
  uri: string | null;
  gtin: string | null;
  serial: string | null;
}

/**
 * Decodes EPCs once: fixed readers report the same tags many times a second, and decoding
 * costs about as much as parsing the payload. Bounded, so a stream of random EPCs (a
 * misbehaving reader) cannot grow memory without limit: when full, the cache starts over.
 */
export class EpcCache {
  private readonly map = new Map<string, TagIdentity>();

  constructor(private readonly max = 200_000) {}

  get(epc: string): TagIdentity {
    let id = this.map.get(epc);
    if (id === undefined) {
      id = identify(epc);
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(epc, id);
    }
    return id;
  }
}

function identify(epc: string): TagIdentity {
  const d = decodeEpc(epc);
  if (d.scheme === 'sgtin-96' || d.scheme === 'sgtin-198') {
    return { scheme: d.scheme, uri: d.uri, gtin: d.gtin14, serial: d.serial };
  }
  if (d.scheme === 'unknown' || d.scheme === 'invalid') {
    return { scheme: d.scheme, uri: null, gtin: null, serial: null };
  }
  return { scheme: d.scheme, uri: d.uri, gtin: null, serial: null };
}
