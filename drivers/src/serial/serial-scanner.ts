/**
 * A serial (RS-232 / USB-CDC) barcode scanner as a component on serialport: frames codes by
 * suffix or idle gap, strips AIM identifiers, and treats the port disappearing as a normal
 * event: status `offline`, retry every second, `online` again when the path is back.
 */
import { existsSync, realpathSync } from 'node:fs';
import { type Clock, ScannerBase } from '../scanner-base.js';
import { SerialFramer, type SerialSuffix } from './framer.js';

/** The part of a serialport stream the scanner uses (SerialPort, SerialPortMock, …). */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'close', listener: (err?: Error | null) => void): this;
  removeAllListeners(): this;
}

/** Creates an unopened port; the seam to inject a binding (e.g. serialport's mock). */
export type SerialPortFactory = (options: {
  path: string;
  baudRate: number;
}) => SerialPortLike | Promise<SerialPortLike>;

export interface SerialScannerOptions {
  deviceId: string;
  path: string;
  /** Default 9600 (CONTRACT.md). */
  baudRate?: number;
  /** Code terminator; undefined means any of CR, LF, CRLF. */
  suffix?: SerialSuffix;
  /**
   * Bytes then silence this long end a code, for scanners that send no suffix (used until
   * the device sends its first suffix); 0 disables. Default 50 ms.
   */
  idleGapMs?: number;
  /** Retry and port-presence check interval. Default 1000 ms (offline within ~1 s of unplug). */
  retryMs?: number;
  createPort?: SerialPortFactory;
  clock?: Clock;
}

/** Default factory: serialport with its native bindings-cpp binding, loaded on first use. */
export const defaultSerialPortFactory: SerialPortFactory = async ({ path, baudRate }) => {
  const { SerialPort } = await import('serialport');
  return new SerialPort({ path, baudRate, autoOpen: false });
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function target(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

export class SerialScanner extends ScannerBase {
  readonly #path: string;
  readonly #baudRate: number;
  readonly #idleGapMs: number;
  readonly #retryMs: number;
  readonly #createPort: SerialPortFactory;
  readonly #framer: SerialFramer;
  #running = false;
  #port: SerialPortLike | undefined;
  /** What the path pointed at when opened: a re-created pty link points elsewhere. */
  #openedTarget: string | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #watchTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #opening: Promise<void> | undefined;
  #sawSuffix = false;

  constructor(options: SerialScannerOptions) {
    super(options.deviceId, options.clock);
    this.#path = options.path;
    this.#baudRate = options.baudRate ?? 9600;
    this.#idleGapMs = options.idleGapMs ?? 50;
    this.#retryMs = options.retryMs ?? 1000;
    this.#createPort = options.createPort ?? defaultSerialPortFactory;
    this.#framer = new SerialFramer(options.suffix);
  }

  get path(): string {
    return this.#path;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#open();
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const t of [this.#retryTimer, this.#watchTimer, this.#idleTimer]) if (t) clearTimeout(t);
    this.#retryTimer = this.#watchTimer = this.#idleTimer = undefined;
    await this.#opening;
    await this.#closePort();
    this.setStatus('offline');
  }

  #open(): Promise<void> {
    this.#opening ??= this.#tryOpen().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #tryOpen(): Promise<void> {
    if (!this.#running || this.#port) return;
    if (!existsSync(this.#path)) {
      this.setStatus('offline', `serial port ${this.#path} is not present`);
      return this.#scheduleRetry();
    }
    let port: SerialPortLike;
    try {
      port = await this.#createPort({ path: this.#path, baudRate: this.#baudRate });
      const openedTarget = target(this.#path);
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      this.#openedTarget = openedTarget;
    } catch (err) {
      // ENOENT races with the path vanishing; anything else (EACCES, EBUSY, no native
      // binding) needs an operator, hence error rather than offline.
      const gone = !existsSync(this.#path);
      this.setStatus(gone ? 'offline' : 'error', `serial port ${this.#path}: ${message(err)}`);
      return this.#scheduleRetry();
    }
    if (!this.#running) {
      port.close();
      return;
    }
    this.#port = port;
    this.#framer.reset();
    this.#sawSuffix = false;
    port.on('data', (chunk) => this.#onData(port, chunk));
    port.on('error', (err) => this.#lost(port, message(err)));
    port.on('close', (err) => this.#lost(port, err ? message(err) : 'closed'));
    this.setStatus('online');
    this.#scheduleWatch();
  }

  #onData(port: SerialPortLike, chunk: Buffer): void {
    if (this.#port !== port) return;
    this.markSeen();
    const codes = this.#framer.push(chunk);
    if (codes.length > 0) this.#sawSuffix = true;
    for (const code of codes) this.emitScan(code);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    // The idle gap is for scanners that send no suffix. Once this one has sent a suffix, a gap
    // is an event-loop stall or a slow line, and flushing would split a code in two.
    if (this.#idleGapMs > 0 && !this.#sawSuffix && this.#framer.pending) {
      this.#idleTimer = setTimeout(() => {
        this.#idleTimer = undefined;
        for (const code of this.#framer.flush()) this.emitScan(code);
      }, this.#idleGapMs);
    }
  }

  #lost(port: SerialPortLike, why: string): void {
    if (this.#port !== port) return;
    void this.#closePort().then(() => {
      if (!this.#running) return;
      this.setStatus('offline', `serial port ${this.#path} lost: ${why}`);
      this.#scheduleRetry();
    });
  }

  async #closePort(): Promise<void> {
    const port = this.#port;
    this.#port = undefined;
    this.#framer.reset();
    if (this.#watchTimer) clearTimeout(this.#watchTimer);
    this.#watchTimer = undefined;
    if (!port) return;
    await new Promise<void>((resolve) => {
      if (!port.isOpen) return resolve();
      try {
        port.close(() => resolve());
      } catch {
        resolve();
      }
    });
    port.removeAllListeners();
    // A late error from the closed port must not become an unhandled 'error' event.
    port.on('error', () => {});
  }

  /**
   * A pty or USB-serial node can vanish without the open descriptor reporting it at once;
   * checking the path each interval bounds the time to `offline`.
   */
  #scheduleWatch(): void {
    if (!this.#running || this.#watchTimer) return;
    this.#watchTimer = setTimeout(() => {
      this.#watchTimer = undefined;
      const port = this.#port;
      if (!port) return;
      const now = target(this.#path);
      if (now === undefined) this.#lost(port, 'device node vanished');
      else if (now !== this.#openedTarget) this.#lost(port, 'device node was replaced');
      else this.#scheduleWatch();
    }, this.#retryMs);
    this.#watchTimer.unref?.();
  }

  #scheduleRetry(): void {
    if (!this.#running || this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#open();
    }, this.#retryMs);
    this.#retryTimer.unref?.();
  }
}
