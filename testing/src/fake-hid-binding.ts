import { EventEmitter } from 'node:events';
import type { HidBinding, HidDevice, HidDeviceInfo, HidOpenOptions } from '@store-edge/drivers';

/** An in-memory HID bus: tests plug devices in and out and play recorded reports. */
export class FakeHidDevice extends EventEmitter implements HidDevice {
  closed = false;
  constructor(
    readonly path: string,
    readonly options: HidOpenOptions,
  ) {
    super();
  }
  close(): void {
    this.closed = true;
  }
  play(reports: readonly (readonly number[] | Uint8Array)[]): void {
    for (const r of reports) this.emit('data', Buffer.from(r));
  }
}

export class FakeHidBinding implements HidBinding {
  devices: HidDeviceInfo[] = [];
  opened: FakeHidDevice[] = [];
  openError: Error | undefined;

  async enumerate(): Promise<HidDeviceInfo[]> {
    return this.devices.map((d) => ({ ...d }));
  }

  async open(path: string, options: HidOpenOptions): Promise<FakeHidDevice> {
    if (this.openError) throw this.openError;
    if (!this.devices.some((d) => d.path === path)) throw new Error(`could not open ${path}`);
    const device = new FakeHidDevice(path, options);
    this.opened.push(device);
    return device;
  }

  /** Unplug: the open handle reports a read error and the device leaves the list. */
  unplug(path: string): void {
    this.devices = this.devices.filter((d) => d.path !== path);
    for (const d of this.opened)
      if (d.path === path && !d.closed) d.emit('error', new Error('could not read from HID device'));
  }
}
