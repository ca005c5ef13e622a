/**
 * Typed events every scanner driver emits (ARCHITECTURE.md "A driver turns bytes into a typed
 * event"). Drivers know nothing about stock: workflows in the edge agent interpret these.
 */

/** One decoded barcode read, exactly as the scanner delivered it (AIM identifier stripped). */
export interface ScanEvent {
  deviceId: string;
  /** The code without suffix and without the AIM symbology identifier. */
  code: string;
  /** Symbology name derived from the AIM identifier (`gs1-128`, `ean-13`, …) when one was sent. */
  symbology?: string;
  /** The AIM symbology identifier as transmitted (`]C1`, `]E0`, …; ISO/IEC 15424). */
  aimId?: string;
  at: Date;
}

export type DeviceStatus = 'online' | 'offline' | 'error';

export interface DeviceStatusEvent {
  deviceId: string;
  status: DeviceStatus;
  /** Why the device is offline or in error, in words an operator can act on. */
  error?: string;
  at: Date;
}

/** The event map shared by scanner components: `on('scan')`, `on('status')`. */
export interface ScannerEvents {
  scan: [ScanEvent];
  status: [DeviceStatusEvent];
}

/** What a scanner component offers the edge agent, whatever its transport. */
export interface Scanner {
  readonly deviceId: string;
  /** Latest status; `offline` before `start()`. */
  readonly status: DeviceStatus;
  readonly lastError: string | undefined;
  /** Opens the device; resolves once the first attempt is made (it keeps retrying after). */
  start(): Promise<void>;
  /** Closes the device and stops retrying; no events after it resolves. */
  stop(): Promise<void>;
  on<K extends keyof ScannerEvents>(event: K, listener: (...args: ScannerEvents[K]) => void): this;
  off<K extends keyof ScannerEvents>(event: K, listener: (...args: ScannerEvents[K]) => void): this;
}
