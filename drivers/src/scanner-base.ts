/**
 * What HID and serial scanners share: the typed event emitter, status bookkeeping (events
 * only on change) and turning decoded text into a ScanEvent.
 */
import { EventEmitter } from 'node:events';
import { type ScanText, splitScanText } from './codes/symbology.js';
import type { DeviceStatus, DeviceStatusEvent, ScanEvent, Scanner, ScannerEvents } from './events.js';

export type Clock = () => Date;

export abstract class ScannerBase extends EventEmitter<ScannerEvents> implements Scanner {
  readonly deviceId: string;
  protected readonly clock: Clock;
  #status: DeviceStatus = 'offline';
  #lastError: string | undefined;
  #lastSeenAt: Date | undefined;

  constructor(deviceId: string, clock: Clock = () => new Date()) {
    super();
    this.deviceId = deviceId;
    this.clock = clock;
  }

  get status(): DeviceStatus {
    return this.#status;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** When the device last sent bytes. */
  get lastSeenAt(): Date | undefined {
    return this.#lastSeenAt;
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  protected setStatus(status: DeviceStatus, error?: string): void {
    if (status === this.#status && error === this.#lastError) return;
    this.#status = status;
    this.#lastError = error;
    const event: DeviceStatusEvent = { deviceId: this.deviceId, status, at: this.clock() };
    if (error !== undefined) event.error = error;
    this.safeEmit('status', event);
  }

  protected markSeen(): void {
    this.#lastSeenAt = this.clock();
  }

  /**
   * Emits a scan for `text`. An AIM identifier given by the transport (HID POS) wins;
   * otherwise one at the start of the text is parsed and stripped (ISO/IEC 15424).
   */
  protected emitScan(text: string, aimId?: string): void {
    let split: ScanText = splitScanText(aimId ? aimId + text : text);
    if (aimId && split.aimId !== aimId) split = { code: text, aimId };
    if (split.code === '') return;
    const event: ScanEvent = { deviceId: this.deviceId, code: split.code, at: this.clock() };
    if (split.aimId) event.aimId = split.aimId;
    if (split.symbology) event.symbology = split.symbology;
    this.safeEmit('scan', event);
  }

  private safeEmit(event: 'scan', payload: ScanEvent): void;
  private safeEmit(event: 'status', payload: DeviceStatusEvent): void;
  private safeEmit(event: 'scan' | 'status', payload: ScanEvent | DeviceStatusEvent): void {
    try {
      if (event === 'scan') this.emit('scan', payload as ScanEvent);
      else this.emit('status', payload as DeviceStatusEvent);
    } catch (err) {
      // Listener bugs belong to the listener; the driver keeps running.
      queueMicrotask(() => {
        process.emitWarning(`scanner ${this.deviceId} ${event} listener threw: ${String(err)}`);
      });
    }
  }
}
