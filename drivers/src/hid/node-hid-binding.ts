/**
 * HidBinding on node-hid (hidapi). node-hid's native addon needs libusb-1.0/hidraw at load
 * time, so it is imported lazily: a machine without it gets a rejected promise with a clear
 * message (the scanner turns it into an `error` status) instead of a crash at startup.
 */
import type { HidBinding, HidDevice, HidDeviceInfo, HidOpenOptions } from './binding.js';

type NodeHid = typeof import('node-hid');

export class HidUnavailableError extends Error {
  override readonly name = 'HidUnavailableError';
}

/** `load` is the seam for tests; the default imports node-hid. */
export function createNodeHidBinding(load: () => Promise<NodeHid> = () => import('node-hid')): HidBinding {
  let loaded: Promise<NodeHid> | undefined;
  const hid = (): Promise<NodeHid> => {
    loaded ??= load().catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      throw new HidUnavailableError(`node-hid could not be loaded (is libusb-1.0 installed?): ${reason}`);
    });
    return loaded;
  };
  return {
    async enumerate(): Promise<HidDeviceInfo[]> {
      const m = await hid();
      return (await m.devicesAsync()).map((d) => {
        const info: HidDeviceInfo = { vendorId: d.vendorId, productId: d.productId, interface: d.interface };
        if (d.path !== undefined) info.path = d.path;
        if (d.usagePage !== undefined) info.usagePage = d.usagePage;
        if (d.usage !== undefined) info.usage = d.usage;
        if (d.product !== undefined) info.product = d.product;
        if (d.manufacturer !== undefined) info.manufacturer = d.manufacturer;
        if (d.serialNumber !== undefined) info.serialNumber = d.serialNumber;
        return info;
      });
    },
    async open(path: string, options: HidOpenOptions): Promise<HidDevice> {
      const m = await hid();
      const device = await m.HIDAsync.open(path, { nonExclusive: !options.exclusive });
      const wrapped: HidDevice = {
        on(event: 'data' | 'error' | 'close', listener: (...args: never[]) => void): void {
          device.on(event, (...args: unknown[]) => (listener as (...a: unknown[]) => void)(...args));
        },
        close: () => device.close(),
      };
      return wrapped;
    },
  };
}
