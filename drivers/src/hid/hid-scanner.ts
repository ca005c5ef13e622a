/**
 * A USB HID barcode scanner (HID POS or keyboard wedge) as a component: opens the configured
 * device, decodes its reports into ScanEvents, and survives unplugging by polling the device
 * list until the scanner is back (re-opened within one poll interval, 1 s by default).
 */
import { type Clock, ScannerBase } from '../scanner-base.js';
import type { HidBinding, HidDevice, HidDeviceInfo } from './binding.js';
import { KeyboardWedgeDecoder } from './keyboard-decoder.js';
import type { KeyboardLayoutName } from './keyboard-layouts.js';
import { createNodeHidBinding } from './node-hid-binding.js';
import { HidPosDecoder } from './pos-decoder.js';

export interface HidScannerOptions {
  deviceId: string;
  /** `pos`: HID POS usage page 0x8C; `keyboard`: keyboard wedge (boot reports). */
  protocol: 'pos' | 'keyboard';
  vendorId?: number;
  productId?: number;
  /** OS device path; when set, vendorId/productId are not needed. */
  path?: string;
  /** Host layout the wedge scanner was set up for. Default `us`. */
  layout?: KeyboardLayoutName;
  /** Tab ends a wedge code as Enter does. Default false. */
  tabTerminates?: boolean;
  /** Ask for exclusive access so keystrokes do not also reach the desktop. Default true. */
  exclusive?: boolean;
  /**
   * Keyboard wedge: typed characters followed by this much silence end a code even without
   * Enter, for scanners set up with no suffix (used until the first Enter); 0 disables.
   * Default 100 ms.
   */
  idleGapMs?: number;
  /** How often to look for the device while it is absent. Default 1000 ms. */
  pollIntervalMs?: number;
  binding?: HidBinding;
  clock?: Clock;
}

const USAGE_PAGE_POS = 0x8c;
const USAGE_PAGE_GENERIC_DESKTOP = 0x01;
const USAGE_KEYBOARD = 0x06;

const hex4 = (n: number | undefined) => (n ?? 0).toString(16).padStart(4, '0');

export class HidScanner extends ScannerBase {
  readonly #options: HidScannerOptions;
  readonly #binding: HidBinding;
  readonly #pollMs: number;
  #running = false;
  #device: HidDevice | undefined;
  #timer: NodeJS.Timeout | undefined;
  #connecting: Promise<void> | undefined;
  #decode: (report: Uint8Array) => { text: string; aimId?: string }[];
  #resetDecoder: () => void;
  #armIdle: () => void = () => {};
  #sawTerminator = false;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(options: HidScannerOptions) {
    super(options.deviceId, options.clock);
    this.#options = options;
    this.#binding = options.binding ?? createNodeHidBinding();
    this.#pollMs = options.pollIntervalMs ?? 1000;
    if (options.protocol === 'pos') {
      const pos = new HidPosDecoder();
      // HID POS carries no suffix of its own; a CR/LF the scanner was told to append goes.
      this.#decode = (r) =>
        pos
          .push(r)
          .map((s) => ({ text: s.data.replace(/[\r\n]+$/, ''), ...(s.aimId ? { aimId: s.aimId } : {}) }));
      this.#resetDecoder = () => pos.reset();
    } else {
      const kb = new KeyboardWedgeDecoder({
        layout: options.layout ?? 'us',
        tabTerminates: options.tabTerminates ?? false,
      });
      this.#decode = (r) => {
        const codes = kb.push(r);
        if (codes.length > 0) this.#sawTerminator = true;
        return codes.map((text) => ({ text }));
      };
      this.#resetDecoder = () => kb.reset();
      const idleGapMs = options.idleGapMs ?? 100;
      if (idleGapMs > 0) {
        this.#armIdle = () => {
          if (this.#idleTimer) clearTimeout(this.#idleTimer);
          this.#idleTimer = undefined;
          // Only for scanners that send no Enter: once one came, a gap is a stall, not an end.
          if (!kb.pending || this.#sawTerminator) return;
          this.#idleTimer = setTimeout(() => {
            this.#idleTimer = undefined;
            for (const text of kb.flush()) this.emitScan(text);
          }, idleGapMs);
        };
      }
    }
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#connecting;
    await this.#closeDevice();
    this.setStatus('offline');
  }

  /** Which enumerated device is ours: path match, else vendor/product with the right usage. */
  select(devices: readonly HidDeviceInfo[]): HidDeviceInfo | undefined {
    const o = this.#options;
    if (o.path !== undefined) return devices.find((d) => d.path === o.path);
    const candidates = devices.filter(
      (d) =>
        d.path !== undefined &&
        d.vendorId === o.vendorId &&
        (o.productId === undefined || d.productId === o.productId),
    );
    const preferred = candidates.find((d) =>
      o.protocol === 'pos'
        ? d.usagePage === USAGE_PAGE_POS
        : d.usagePage === USAGE_PAGE_GENERIC_DESKTOP && d.usage === USAGE_KEYBOARD,
    );
    return preferred ?? candidates[0];
  }

  #describe(): string {
    const o = this.#options;
    return o.path ?? `${hex4(o.vendorId)}:${hex4(o.productId)}`;
  }

  #connect(): Promise<void> {
    this.#connecting ??= this.#tryOpen().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #tryOpen(): Promise<void> {
    if (!this.#running || this.#device) return;
    try {
      const info = this.select(await this.#binding.enumerate());
      if (!info?.path) {
        this.setStatus('offline', `HID device ${this.#describe()} is not connected`);
        return this.#schedule();
      }
      const device = await this.#binding.open(info.path, { exclusive: this.#options.exclusive ?? true });
      if (!this.#running) {
        await Promise.resolve(device.close()).catch(() => {});
        return;
      }
      this.#attach(device);
      this.setStatus('online');
    } catch (err) {
      this.setStatus('error', err instanceof Error ? err.message : String(err));
      this.#schedule();
    }
  }

  #attach(device: HidDevice): void {
    this.#device = device;
    this.#sawTerminator = false;
    this.#resetDecoder();
    const lost = (why: string) => {
      if (this.#device !== device) return;
      void this.#closeDevice().then(() => {
        if (!this.#running) return;
        this.setStatus('offline', why);
        this.#schedule();
      });
    };
    device.on('data', (report) => {
      if (this.#device !== device) return;
      this.markSeen();
      for (const { text, aimId } of this.#decode(report)) this.emitScan(text, aimId);
      this.#armIdle();
    });
    device.on('error', (err) => lost(`HID device ${this.#describe()} lost: ${err.message}`));
    device.on('close', () => lost(`HID device ${this.#describe()} closed`));
  }

  async #closeDevice(): Promise<void> {
    const device = this.#device;
    this.#device = undefined;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#resetDecoder();
    if (device)
      await Promise.resolve()
        .then(() => device.close())
        .catch(() => {});
  }

  #schedule(): void {
    if (!this.#running || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, this.#pollMs);
    this.#timer.unref?.();
  }
}
