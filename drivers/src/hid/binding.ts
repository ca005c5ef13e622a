/**
 * The narrow seam between the HID scanner and the OS: enumerate devices, open one, receive
 * its input reports. The node-hid implementation lives in node-hid-binding.ts; tests pass a
 * fake fed with recorded report bytes.
 */

export interface HidDeviceInfo {
  /** OS path (hidraw node on Linux); the key to open a device. */
  path?: string;
  vendorId: number;
  productId: number;
  /** 0x8C for HID POS scanners, 0x01 (with usage 0x06) for keyboards. */
  usagePage?: number;
  usage?: number;
  product?: string;
  manufacturer?: string;
  serialNumber?: string;
  interface?: number;
}

export interface HidDevice {
  /** One input report per event. */
  on(event: 'data', listener: (report: Uint8Array) => void): void;
  /** Read failures, including the device being unplugged. */
  on(event: 'error', listener: (err: Error) => void): void;
  on(event: 'close', listener: () => void): void;
  close(): void | Promise<void>;
}

export interface HidOpenOptions {
  /** Ask the OS for exclusive access (honoured on macOS; Linux hidraw has no such lock). */
  exclusive: boolean;
}

export interface HidBinding {
  enumerate(): Promise<HidDeviceInfo[]>;
  open(path: string, options: HidOpenOptions): Promise<HidDevice>;
}
