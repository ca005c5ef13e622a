// This store's health, sent to the cloud (issue 17, docs/fleet.md).
//
// Why its own small POST next to the batches rather than a field on them: batches only leave
// while movements wait, and a quiet store (night, a closed store, a stuck printer before
// opening) must still say it is alive and what its devices are doing. It rides the same
// outbound connection and credential as replication (CloudClient, keep-alive), so the store
// still opens every connection, and a report never delays or risks a batch's exactly-once path.
import { performance } from 'node:perf_hooks';
import { type DeviceHealth, HEALTH_LIMITS, HealthAckSchema, type HealthReport } from '@store-edge/protocol';
import Value from 'typebox/value';
import rootPackage from '../../../package.json' with { type: 'json' };
import type { AgentCore } from '../context.js';
import type { DeviceView } from '../devices/registry.js';
import { outboxSummary } from '../ledger/outbox.js';
import type { CloudAnswer } from './cloud-client.js';

/** The product version the agent reports (the root package's, what the images are tagged with). */
export const AGENT_VERSION: string = rootPackage.version;

export interface HealthReporterStatus {
  lastReportAt: string | null;
  lastError: string | null;
  /** Store clock minus cloud clock (ms), from the last answer. */
  clockOffsetMs: number | null;
}

/** Timers the reporter schedules with (tests drive them by hand). */
export interface ReporterTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: ReporterTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface HealthReporterDeps {
  core: Pick<AgentCore, 'db' | 'devices' | 'disk' | 'events' | 'log' | 'clock'>;
  send(report: HealthReport): Promise<CloudAnswer>;
  /** Time between reports (ms). */
  intervalMs: number;
  timers?: ReporterTimers;
}

/** Devices in trouble first (they are what head office looks for), then by id. */
const RANK: Record<DeviceHealth['status'], number> = { error: 0, offline: 1, online: 2 };

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Sends a health report every `intervalMs`, and at once when replication reaches the cloud
 * again after a failed report (the shipper's `replication` event says `online`), so head office
 * sees a store that came back without waiting a whole interval. One report at a time; a failure
 * is logged and the next one goes at the next tick.
 */
export class HealthReporter {
  readonly status: HealthReporterStatus = { lastReportAt: null, lastError: null, clockOffsetMs: null };
  #timer: unknown = null;
  #sending: Promise<void> | null = null;
  #stopped = true;
  /** The last report failed: the next sign of the cloud sends one at once. */
  #failed = true;
  readonly #timers: ReporterTimers;

  constructor(private readonly deps: HealthReporterDeps) {
    this.#timers = deps.timers ?? realTimers;
  }

  start(): void {
    this.#stopped = false;
    this.deps.core.events.on(
      'replication',
      (s) => {
        if (s.online === true && this.#failed) void this.reportNow();
      },
      this,
    );
    void this.reportNow();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.deps.core.events.removeListeners(this);
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#sending;
  }

  /** Builds and sends a report now (unless one is on its way), then schedules the next. */
  reportNow(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#sending ??= this.#send().finally(() => {
      this.#sending = null;
      this.#schedule();
    });
    return this.#sending;
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      void this.reportNow();
    }, this.deps.intervalMs);
  }

  async #send(): Promise<void> {
    const { core } = this.deps;
    try {
      const report = await this.build();
      const started = performance.now();
      const answer = await this.deps.send(report);
      const rtt = performance.now() - started;
      if (answer.status !== 200 || !Value.Check(HealthAckSchema, answer.body)) {
        throw new Error(
          `the cloud answered HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`,
        );
      }
      // The cloud read its clock about half a round trip after the store read its own.
      const cloudMs = Date.parse(answer.body.receivedAt);
      if (Number.isFinite(cloudMs)) {
        this.status.clockOffsetMs = Math.round(Date.parse(report.sentAt) + rtt / 2 - cloudMs);
      }
      this.status.lastReportAt = report.sentAt;
      this.status.lastError = null;
      this.#failed = false;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!this.#failed || this.status.lastError !== message) {
        core.log.warn({ err: message }, 'health report not taken by the cloud; sending the next one later');
      }
      this.status.lastError = message;
      this.#failed = true;
    }
  }

  /** The report from what the agent knows now, every list and string within HEALTH_LIMITS. */
  async build(): Promise<HealthReport> {
    const { core } = this.deps;
    const outbox = outboxSummary(core.db);
    const all = core.devices
      .list()
      .sort((a, b) => RANK[a.status] - RANK[b.status] || a.id.localeCompare(b.id));
    const listed = all.slice(0, HEALTH_LIMITS.devices).map(deviceHealth);
    let diskFreeBytes: number | null = null;
    try {
      diskFreeBytes = Math.max(0, Math.floor(await core.disk.check()));
    } catch {
      // Unknown this time; the report still goes.
    }
    return {
      agentVersion: clip(AGENT_VERSION, HEALTH_LIMITS.agentVersion),
      sentAt: core.clock().toISOString(),
      backlog: {
        pending: outbox.pending,
        oldestPendingAt: outbox.oldestAt === null ? null : new Date(outbox.oldestAt).toISOString(),
      },
      devices: listed,
      ...(all.length > listed.length ? { devicesLeftOut: all.length - listed.length } : {}),
      diskFreeBytes,
      clockOffsetMs: this.status.clockOffsetMs,
    };
  }
}

function deviceHealth(d: DeviceView): DeviceHealth {
  return {
    id: clip(d.id, HEALTH_LIMITS.deviceId),
    kind: clip(d.kind, HEALTH_LIMITS.kind),
    status: d.status,
    // A printer's lastError is its `~HS` problems ("paper out, head open"): printing/worker.ts.
    detail: d.status === 'online' || !d.lastError ? null : clip(d.lastError, HEALTH_LIMITS.detail),
  };
}
