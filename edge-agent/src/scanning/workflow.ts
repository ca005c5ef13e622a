/**
 * Turns a scan into what the scanner's mode says (CONTRACT.md scanner `mode`): a movement
 * (receive, sale, return, damage), a running count (count), or nothing but an answer
 * (lookup). Codes that name no item are quarantined with the reason and listed among the
 * scans: never dropped.
 */
import { randomUUID } from 'node:crypto';
import { type ParsedCode, parseScan, type ScanEvent } from '@store-edge/drivers';
import type { AgentParts } from '../agent.js';
import { LedgerError, type MovementInput, type MovementType } from '../ledger/types.js';
import { withEpcIdentity } from './codes.js';
import type { ScanCounts } from './counts.js';
import type { ScannerMode, ScannerWorkflowSettings } from './devices.js';
import type { ScanMetrics } from './metrics.js';
import type { ScanLog, ScanRecord } from './scan-log.js';

const MOVEMENT_OF: Partial<Record<ScannerMode, MovementType>> = {
  receive: 'receive',
  sale: 'sale',
  return: 'return',
  damage: 'damage',
};

/** What to book for a parsed code: the code the ledger resolves, and units per scan beyond its pack size. */
export function bookingCode(parsed: ParsedCode): { code: string; times: number } | null {
  switch (parsed.kind) {
    case 'gtin':
      return { code: parsed.gtin, times: 1 };
    case 'gs1':
      // (02)+(37): a logistic unit label naming the contained item and how many (GS1 GenSpecs §3.2, §3.6.4).
      if (!parsed.gtin && parsed.contentGtin)
        return { code: parsed.contentGtin, times: positive(parsed.count) ?? 1 };
      // (01)+(30): a variable count of that item (§3.6.1).
      return parsed.gtin ? { code: parsed.hri, times: positive(parsed.quantity) ?? 1 } : null;
    case 'epc':
      return { code: parsed.epc, times: 1 };
    case 'sku':
      return { code: parsed.sku, times: 1 };
    default:
      return null;
  }
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Where a `receive` or `damage` scan books: the delivery it counts toward (`ref`) and, for the
 * inbound side of a transfer, `transfer_in` instead of `receive`. Set by the deliveries feature.
 */
export type ScanRouter = (scan: {
  deviceId: string;
  mode: ScannerMode;
  sku: string;
}) => { ref: string; type?: MovementType } | null;

export class ScanWorkflow {
  /** Last time each (device, code) was seen, for the debounce window. */
  private readonly lastSeen = new Map<string, number>();
  private router: ScanRouter | null = null;

  /** Routes receive and damage scans (null: book them without a ref, as before). */
  routeWith(router: ScanRouter | null): void {
    this.router = router;
  }

  constructor(
    private readonly parts: AgentParts,
    private readonly log: ScanLog,
    private readonly counts: ScanCounts,
    private readonly metrics: ScanMetrics,
  ) {}

  /**
   * Handles one scan; resolves with its record, or null when the debounce window swallowed it.
   * Never rejects: whatever goes wrong is the scan's outcome (quarantined with the reason).
   */
  async handle(device: ScannerWorkflowSettings, scan: ScanEvent): Promise<ScanRecord | null> {
    const { parts } = this;
    const atMs = scan.at.getTime();
    if (this.debounced(device, scan, atMs)) {
      this.metrics.scans.inc({ outcome: 'debounced' });
      return null;
    }
    const parsed = parseScan(scan);
    const record: ScanRecord = {
      id: randomUUID(),
      at: scan.at.toISOString(),
      deviceId: device.id,
      mode: device.mode,
      location: device.location,
      code: scan.code,
      aimId: scan.aimId ?? null,
      symbology: scan.symbology ?? null,
      parsed: withEpcIdentity(parsed),
      item: null,
      qty: null,
      outcome: 'lookup',
      movement: null,
      reason: null,
      quarantineId: null,
      latencyMs: null,
    };
    try {
      await this.apply(device, parsed, record, atMs);
    } catch (err) {
      this.quarantine(record, refusal(err));
    }
    this.metrics.scans.inc({ outcome: record.outcome });
    this.log.add(record);
    parts.events.emit('scan', record as unknown as Record<string, unknown>);
    parts.broker?.publish(`store-edge/${parts.settings.storeId}/scans`, record);
    return record;
  }

  private async apply(
    device: ScannerWorkflowSettings,
    parsed: ParsedCode,
    record: ScanRecord,
    atMs: number,
  ): Promise<void> {
    const { parts } = this;
    if (parsed.kind === 'unknown') return this.quarantine(record, `unreadable code: ${parsed.reason}`);
    const booking = bookingCode(parsed);
    const hit = booking ? parts.catalog.resolve(booking.code) : null;
    if (!booking || !hit) {
      const what = parsed.kind === 'gs1' ? `GS1 data ${parsed.hri}` : `${parsed.kind} ${parsed.data}`;
      return this.quarantine(record, `no item has the code (${what})`);
    }
    record.item = { sku: hit.sku, name: parts.catalog.get(hit.sku)?.name ?? null, packQty: hit.packQty };
    record.qty = hit.packQty * booking.times;
    if (device.mode === 'lookup') return;
    if (device.mode === 'count') {
      this.counts.add(device.id, device.location, hit.sku, record.qty);
      record.outcome = 'counted';
      return;
    }
    const type = MOVEMENT_OF[device.mode];
    if (!type) return;
    const disk = parts.disk.refusal();
    if (disk) return this.quarantine(record, `not booked: ${disk}`);
    const input: MovementInput = {
      id: randomUUID(),
      type,
      code: booking.code,
      location: device.location,
      qty: booking.times,
      at: record.at,
    };
    if (type === 'damage') input.reason = 'damaged';
    if ((type === 'receive' || type === 'damage') && this.router) {
      const route = this.router({ deviceId: device.id, mode: device.mode, sku: hit.sku });
      if (route) {
        input.ref = route.ref;
        if (route.type && type === 'receive') input.type = route.type;
      }
    }
    const [result] = await parts.writer.submit([input], { source: `device:${device.id}`, actor: device.id });
    if (!result) throw new Error('the ledger answered without a result');
    record.outcome = 'movement';
    record.movement = result;
    const latency = Date.now() - atMs;
    record.latencyMs = latency;
    this.metrics.latency.observe(latency / 1000);
  }

  private quarantine(record: ScanRecord, reason: string): void {
    record.outcome = 'quarantined';
    record.reason = reason;
    try {
      record.quarantineId = this.parts.quarantine.add({
        source: 'scanner',
        deviceId: record.deviceId,
        raw: (record.aimId ?? '') + record.code,
        reason,
      });
    } catch (err) {
      // The scan stays in the scans list with its reason even if the quarantine write fails.
      this.parts.log.error({ err, deviceId: record.deviceId }, 'quarantine write failed');
    }
    this.parts.metrics.quarantined.inc({ source: 'scanner' });
  }

  /**
   * A scanner re-reading the code it is held over, or a double trigger, must not book twice:
   * the same code within the window of its previous read (sliding) counts once.
   */
  private debounced(device: ScannerWorkflowSettings, scan: ScanEvent, atMs: number): boolean {
    const windowMs = device.debounceMs ?? this.parts.settings.scanning.debounceMs;
    if (windowMs <= 0) return false;
    const key = `${device.id}\u0000${scan.aimId ?? ''}${scan.code}`;
    const prev = this.lastSeen.get(key);
    this.lastSeen.set(key, atMs);
    if (this.lastSeen.size > 10_000) {
      for (const [k, t] of this.lastSeen) if (atMs - t > windowMs) this.lastSeen.delete(k);
    }
    return prev !== undefined && atMs - prev >= 0 && atMs - prev < windowMs;
  }
}

function refusal(err: unknown): string {
  if (err instanceof LedgerError) return `ledger refused: ${err.title}: ${err.message}`;
  return `not booked: ${err instanceof Error ? err.message : String(err)}`;
}
