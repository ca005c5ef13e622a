import {
  type Presence,
  type PresenceEvent,
  PresenceSmoother,
  parseReaderPayload,
  type ReaderFormat,
  type SmootherSettings,
  type TagReadEvent,
} from '@store-edge/drivers';
import { Counter, Gauge } from 'prom-client';
import type { AgentParts } from '../agent.js';
import type { DeviceConfig } from '../config/settings.js';
import { EpcCache, type TagIdentity } from './tags.js';

/** A configured fixed reader, as the pipeline needs it. */
export interface Reader {
  id: string;
  format: ReaderFormat;
  /** The topic (filter) the reader publishes on; `readers/<id>/#` when not set. */
  topic: string;
  /** The zone its antennas cover; a zone maps to a stock location (DOMAIN.md "Locations"). */
  zone: string;
}

export function readerFrom(config: DeviceConfig): Reader | null {
  if (config.kind !== 'rfid-reader') return null;
  const format = config.format === 'impinj-iot' ? 'impinj-iot' : 'zebra-iot';
  return {
    id: config.id,
    format,
    topic: typeof config.topic === 'string' && config.topic ? config.topic : `readers/${config.id}/#`,
    zone: typeof config.zone === 'string' && config.zone ? config.zone : (config.location ?? config.id),
  };
}

/** A presence change as the agent publishes it on store-edge/{storeId}/tags and to the console. */
export interface TagEvent {
  type: PresenceEvent['type'];
  epc: string;
  zone: string;
  fromZone?: string;
  at: string;
  scheme: string;
  gtin: string | null;
  serial: string | null;
  sku: string | null;
}

/** Listens to raw reads; cycle counts use it to collect what was read in their zone. */
export type ReadObserver = (reader: Reader, reads: readonly TagReadEvent[]) => void;
/** Listens to presence changes (after the reads that caused them were observed). */
export type ChangeObserver = (changes: readonly PresenceEvent[]) => void;

/**
 * Reader messages → tag reads → presence. Everything per read stays in memory (parse, cached
 * EPC decode, smoother): at tens of thousands of reads a second nothing per read may touch
 * SQLite. Only presence changes (arrivals, moves, departures) leave the pipeline.
 */
export class RfidPipeline {
  readonly smoother: PresenceSmoother;
  readonly epcs = new EpcCache();
  private readonly readers = new Map<string, Reader>();
  private readonly observers: ReadObserver[] = [];
  private readonly changeObservers: ChangeObserver[] = [];
  private readonly readsTotal: Counter<'reader'>;
  private readonly rejectedTotal: Counter<'reader'>;
  private readonly readsBy = new Map<string, Counter.Internal>();
  /** Quarantine budget per reader for the current second (a garbage flood must not fill the disk). */
  private readonly budget = new Map<string, { second: number; left: number }>();

  constructor(
    private readonly parts: AgentParts,
    smoothing: Partial<SmootherSettings>,
  ) {
    const clock = parts.clock;
    this.smoother = new PresenceSmoother(smoothing, { now: () => clock().getTime() });
    const registers = [parts.metrics.registry];
    this.readsTotal = new Counter({
      name: 'store_edge_rfid_reads_total',
      help: 'Tag reads decoded from reader messages, by reader',
      labelNames: ['reader'] as const,
      registers,
    });
    this.rejectedTotal = new Counter({
      name: 'store_edge_rfid_rejected_total',
      help: 'Reader messages (or events in a batch) that were not tag reads nor known status events',
      labelNames: ['reader'] as const,
      registers,
    });
    const smoother = this.smoother;
    new Gauge({
      name: 'store_edge_rfid_tags_present',
      help: 'Tags present in some zone (after smoothing)',
      registers,
      collect() {
        this.set(smoother.presentCount);
      },
    });
  }

  /** Re-reads the reader list from the device registry. */
  loadReaders(): void {
    this.readers.clear();
    for (const c of this.parts.devices.configs('rfid-reader')) {
      const r = readerFrom(c);
      if (r) this.readers.set(r.id, r);
    }
  }

  reader(id: string): Reader | undefined {
    return this.readers.get(id);
  }

  allReaders(): Reader[] {
    return [...this.readers.values()];
  }

  observeReads(fn: ReadObserver): void {
    this.observers.push(fn);
  }

  observeChanges(fn: ChangeObserver): void {
    this.changeObservers.push(fn);
  }

  /** One MQTT message from `readerId`. Never throws: a bad message is quarantined, the reader stays. */
  ingest(readerId: string, payload: Uint8Array | string): void {
    const reader = this.readers.get(readerId);
    if (!reader) return;
    const receivedAt = this.parts.clock();
    const result = parseReaderPayload(reader.format, reader.id, payload, { receivedAt });
    this.parts.devices.seen(reader.id, receivedAt);
    if (result.rejected.length > 0) this.reject(reader, result.rejected);
    const reads = result.reads;
    if (reads.length === 0) return;
    let counter = this.readsBy.get(reader.id);
    if (counter === undefined) {
      counter = this.readsTotal.labels(reader.id);
      this.readsBy.set(reader.id, counter);
    }
    // One reading of the clock per message: the smoother's now is the receive time.
    const changes = this.smoother.observeMany(reads, reader.zone, receivedAt.getTime());
    counter.inc(reads.length);
    for (const o of this.observers) o(reader, reads);
    if (changes.length > 0) this.announce(changes);
  }

  /** Departures: call about once a second. */
  tick(): void {
    const ev = this.smoother.tick();
    if (ev.length > 0) this.announce(ev);
  }

  identify(epc: string): TagIdentity {
    return this.epcs.get(epc);
  }

  /** Tags present now, decoded, with their sku where the catalog knows the GTIN. */
  present(zone?: string): Array<Presence & TagIdentity & { sku: string | null }> {
    const skus = new Map<string, string | null>();
    return this.smoother.present(zone).map((p) => {
      const id = this.epcs.get(p.epc);
      return { ...p, ...id, sku: this.skuOf(id, skus) };
    });
  }

  private skuOf(id: TagIdentity, cache?: Map<string, string | null>): string | null {
    if (id.gtin === null) return null;
    const hit = cache?.get(id.gtin);
    if (hit !== undefined) return hit;
    const sku = this.parts.catalog.resolve(id.gtin)?.sku ?? null;
    cache?.set(id.gtin, sku);
    return sku;
  }

  private announce(changes: readonly PresenceEvent[]): void {
    for (const o of this.changeObservers) o(changes);
    const { broker, events, settings } = this.parts;
    const topic = `store-edge/${settings.storeId}/tags`;
    const skus = new Map<string, string | null>();
    for (const c of changes) {
      const id = this.epcs.get(c.epc);
      const ev: TagEvent = {
        type: c.type,
        epc: c.epc,
        zone: c.zone,
        ...(c.type === 'move' ? { fromZone: c.fromZone } : {}),
        at: c.at.toISOString(),
        scheme: id.scheme,
        gtin: id.gtin,
        serial: id.serial,
        sku: this.skuOf(id, skus),
      };
      events.emit('tags', { ...ev });
      broker?.publish(topic, ev);
      this.external?.(topic, ev);
    }
  }

  /** Set when the agent also talks to an external broker: events go there too. */
  external: ((topic: string, ev: TagEvent) => void) | null = null;

  private reject(reader: Reader, rejected: ReadonlyArray<{ reason: string; raw: string }>): void {
    this.rejectedTotal.inc({ reader: reader.id }, rejected.length);
    this.parts.metrics.quarantined.inc({ source: 'rfid' }, rejected.length);
    const second = Math.floor(this.parts.clock().getTime() / 1000);
    let b = this.budget.get(reader.id);
    if (!b || b.second !== second) {
      b = { second, left: this.parts.settings.rfid.quarantinePerSecond };
      this.budget.set(reader.id, b);
    }
    if (b.left <= 0) return;
    for (const r of rejected) {
      if (b.left <= 0) break;
      b.left--;
      this.parts.quarantine.add({ source: 'rfid', deviceId: reader.id, raw: r.raw, reason: r.reason });
    }
    this.parts.log.warn({ reader: reader.id, reason: rejected[0]?.reason }, 'RFID reader message rejected');
  }
}
