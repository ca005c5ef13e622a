/**
 * Runs one driver per configured scanner and follows the device list: a device added,
 * changed or removed through the API starts, restarts or stops its driver. Driver status
 * becomes the device's live status; a driver failing never takes the agent down.
 */
import {
  type DeviceStatusEvent,
  type HidBinding,
  HidScanner,
  type ScanEvent,
  type Scanner,
  type SerialPortFactory,
  SerialScanner,
} from '@store-edge/drivers';
import type { AgentParts } from '../agent.js';
import type { DeviceConfig } from '../config/settings.js';
import {
  hidLayout,
  isScannerKind,
  SCANNER_KINDS,
  type ScannerWorkflowSettings,
  serialSuffix,
  usbId,
  validateHidScanner,
  validateSerialScanner,
  workflowSettings,
} from './devices.js';

/** Seams for tests and benches: the OS side of each transport. */
export interface ScannerIo {
  hidBinding?: HidBinding;
  createSerialPort?: SerialPortFactory;
  /** Serial retry / presence check interval (driver default 1000 ms). */
  serialRetryMs?: number;
  /** HID poll interval while the device is absent (driver default 1000 ms). */
  hidPollMs?: number;
}

export function createScanner(config: DeviceConfig, io: ScannerIo = {}): Scanner {
  if (config.kind === 'serial-scanner') {
    const suffix = serialSuffix(config.suffix);
    return new SerialScanner({
      deviceId: config.id,
      path: String(config.path),
      baudRate: typeof config.baudRate === 'number' ? config.baudRate : 9600,
      ...(suffix ? { suffix } : {}),
      ...(typeof config.idleGapMs === 'number' ? { idleGapMs: config.idleGapMs } : {}),
      ...(io.serialRetryMs ? { retryMs: io.serialRetryMs } : {}),
      ...(io.createSerialPort ? { createPort: io.createSerialPort } : {}),
    });
  }
  const vendorId = usbId(config.vendorId);
  const productId = usbId(config.productId);
  return new HidScanner({
    deviceId: config.id,
    protocol: config.protocol === 'keyboard' ? 'keyboard' : 'pos',
    ...(vendorId !== undefined ? { vendorId } : {}),
    ...(productId !== undefined ? { productId } : {}),
    ...(typeof config.path === 'string' ? { path: config.path } : {}),
    layout: hidLayout(config.layout),
    ...(io.hidPollMs ? { pollIntervalMs: io.hidPollMs } : {}),
    ...(io.hidBinding ? { binding: io.hidBinding } : {}),
  });
}

/** Fields that only change what a scan does; changing them does not reopen the device. */
const WORKFLOW_FIELDS = new Set(['mode', 'location', 'debounceMs']);

function transportKey(config: DeviceConfig): string {
  const rest = Object.entries(config)
    .filter(([k]) => !WORKFLOW_FIELDS.has(k))
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(rest);
}

interface Running {
  driver: Scanner;
  key: string;
  settings: ScannerWorkflowSettings;
  onScan: (e: ScanEvent) => void;
  onStatus: (e: DeviceStatusEvent) => void;
}

export class ScannerManager {
  private readonly running = new Map<string, Running>();
  /** Per-device queue of start/stop work, so quick PUT/DELETE sequences apply in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly parts: AgentParts,
    private readonly onScan: (device: ScannerWorkflowSettings, scan: ScanEvent) => void,
    private readonly io: ScannerIo = {},
  ) {}

  async start(): Promise<void> {
    this.parts.events.on(
      'device.changed',
      ({ id, config }) => {
        if (this.stopped) return;
        if (config === null || isScannerKind(config.kind))
          void this.enqueue(id, () => this.apply(id, config));
        else if (this.running.has(id)) void this.enqueue(id, () => this.apply(id, null));
      },
      this,
    );
    for (const kind of SCANNER_KINDS) {
      for (const config of this.parts.devices.configs(kind))
        await this.enqueue(config.id, () => this.apply(config.id, config));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.parts.events.removeListeners(this);
    await Promise.all([...this.chains.values()]);
    await Promise.all([...this.running.keys()].map((id) => this.halt(id)));
  }

  /** The settings a running scanner's scans are handled with. */
  settings(id: string): ScannerWorkflowSettings | undefined {
    return this.running.get(id)?.settings;
  }

  /** Resolves once the device's queued start/stop work is done (tests, the devices API). */
  idle(id: string): Promise<void> {
    return this.chains.get(id) ?? Promise.resolve();
  }

  private enqueue(id: string, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(work).catch((err: unknown) => {
      this.parts.log.error({ err, deviceId: id }, 'scanner start/stop failed');
      this.parts.devices.setStatus(id, 'error', { error: err instanceof Error ? err.message : String(err) });
    });
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }

  private async apply(id: string, config: DeviceConfig | null): Promise<void> {
    const current = this.running.get(id);
    if (config === null || !isScannerKind(config.kind)) {
      if (current) await this.halt(id);
      return;
    }
    const key = transportKey(config);
    if (current && current.key === key) {
      current.settings = workflowSettings(config);
      return;
    }
    if (current) await this.halt(id);
    if (this.stopped) return;
    // Entries from the config file reach here without the API's field checks.
    const problems = (config.kind === 'serial-scanner' ? validateSerialScanner : validateHidScanner)(config);
    if (problems.length > 0) {
      const error = `not started: ${problems.map((p) => `${p.path.slice(1)} ${p.message}`).join('; ')}`;
      this.parts.devices.setStatus(id, 'error', { error });
      this.parts.log.error({ deviceId: id, problems }, 'scanner entry is invalid');
      return;
    }
    const driver = createScanner(config, this.io);
    const entry: Running = {
      driver,
      key,
      settings: workflowSettings(config),
      onScan: (e) => {
        this.parts.devices.seen(id);
        this.onScan(entry.settings, e);
      },
      onStatus: (e) => {
        this.parts.devices.setStatus(id, e.status, e.error !== undefined ? { error: e.error } : {});
        const log = this.parts.log.child({ part: 'scanning', deviceId: id });
        if (e.status === 'online') log.info('scanner online');
        else log.warn({ status: e.status, error: e.error }, 'scanner not available');
      },
    };
    driver.on('scan', entry.onScan);
    driver.on('status', entry.onStatus);
    this.running.set(id, entry);
    this.parts.devices.setStatus(id, 'offline', { error: null });
    await driver.start();
  }

  /** Stops a driver; its listeners go first so a removed device gets no status after removal. */
  private async halt(id: string): Promise<void> {
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    entry.driver.off('scan', entry.onScan);
    entry.driver.off('status', entry.onStatus);
    try {
      await entry.driver.stop();
    } catch (err) {
      this.parts.log.warn({ err, deviceId: id }, 'scanner stop failed');
    }
    if (this.parts.devices.get(id)) this.parts.devices.setStatus(id, 'offline');
  }
}
