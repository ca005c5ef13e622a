import { once } from 'node:events';
import { FakeHidBinding, type FakeHidDevice, loadFixture } from '@store-edge/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceStatusEvent, ScanEvent } from '../events.js';
import { enumerateHidScanners } from './enumerate.js';
import { HidScanner } from './hid-scanner.js';
import { encodeKeyboardReports, KeyboardWedgeDecoder } from './keyboard-decoder.js';
import { KEYBOARD_LAYOUTS, type KeyboardLayoutName, LAYOUTS } from './keyboard-layouts.js';
import { createNodeHidBinding } from './node-hid-binding.js';
import { HidPosDecoder } from './pos-decoder.js';

interface KeyboardFixture {
  workedExample: { input: string; reports: { char: string; press: number[]; release: number[] }[] };
  uppercaseExample: { char: string; press: number[]; release: number[] };
}
interface PosFixture {
  honeywellCapturedReports: { reports: { bytes: number[]; aimId: string; data: string }[] };
}

const kb = loadFixture('hid-keyboard-reports.json') as KeyboardFixture;
const pos = loadFixture('hid-pos-reports.json') as PosFixture;

const workedText = kb.workedExample.input.replace(' + Enter', '');
const workedReports = kb.workedExample.reports.flatMap((r) => [r.press, r.release]);

function decodeAll(
  layout: KeyboardLayoutName,
  reports: readonly (readonly number[] | Uint8Array)[],
): string[] {
  const d = new KeyboardWedgeDecoder({ layout });
  return reports.flatMap((r) => d.push(Uint8Array.from(r)));
}

/** What a scanner configured for `layout` sends for the fixture's keys. */
function fixtureFor(layout: KeyboardLayoutName): number[][] {
  // AZERTY has the digits on the shifted layer of the top row (same key positions).
  const shiftDigits = layout === 'fr';
  return workedReports.map((r) => {
    const isDigitPress = (r[2] ?? 0) >= 0x1e && (r[2] ?? 0) <= 0x27;
    return shiftDigits && isDigitPress ? [0x02, ...r.slice(1)] : [...r];
  });
}

describe('keyboard-wedge decoder', () => {
  it.each(KEYBOARD_LAYOUTS)('the fixture scan decodes to %s text on that layout', (layout) => {
    expect(decodeAll(layout, fixtureFor(layout))).toEqual([workedText]);
    // And the encoder (used by simulators) produces exactly those reports.
    expect(encodeKeyboardReports(workedText, layout).map((r) => [...r])).toEqual(fixtureFor(layout));
  });

  it('the same unshifted digit keys mean different text on an AZERTY host', () => {
    expect(decodeAll('fr', workedReports)).toEqual(['\'àà-"_&"""ç"&']);
  });

  it.each(KEYBOARD_LAYOUTS)('Shift + usage 0x04 on %s gives the layout’s capital', (layout) => {
    const u = kb.uppercaseExample;
    const enter = [0, 0, 0x28, 0, 0, 0, 0, 0];
    expect(decodeAll(layout, [u.press, u.release, enter])).toEqual([layout === 'fr' ? 'Q' : 'A']);
  });

  it('German layout swaps Y and Z key positions', () => {
    const de = encodeKeyboardReports('Zy', 'de');
    expect(de[0]).toEqual(Uint8Array.of(0x02, 0, 0x1c, 0, 0, 0, 0, 0));
    expect(de[2]).toEqual(Uint8Array.of(0, 0, 0x1d, 0, 0, 0, 0, 0));
    expect(decodeAll('us', de)).toEqual(['Yz']);
  });

  it('AltGr characters and GS (Ctrl+]) come through: a GS1-128 code on a German host', () => {
    const code = ']C1010950600013435210ABC\u001d21XYZ@';
    const reports = encodeKeyboardReports(code, 'de');
    // ']' on German needs AltGr (Right Alt) + 9.
    expect(reports[0]).toEqual(Uint8Array.of(0x40, 0, 0x26, 0, 0, 0, 0, 0));
    for (const layout of KEYBOARD_LAYOUTS) {
      expect(decodeAll(layout, encodeKeyboardReports(code, layout))).toEqual([code]);
    }
  });

  it('a held key is one character; ErrorRollOver reports are ignored', () => {
    const press = [0, 0, 0x1e, 0, 0, 0, 0, 0];
    const rollover = [0, 0, 1, 1, 1, 1, 1, 1];
    const enter = [0, 0, 0x28, 0, 0, 0, 0, 0];
    expect(decodeAll('us', [press, press, rollover, press, enter])).toEqual(['1']);
  });

  it.each(KEYBOARD_LAYOUTS)('round-trips any text the %s layout can type', (layout) => {
    const typeable = [
      ...new Set([...LAYOUTS[layout].values()].flatMap((c) => c.filter((x) => x !== undefined))),
    ].filter((c) => c !== '\t');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...typeable), { minLength: 1, maxLength: 40 }), (chars) => {
        const text = chars.join('');
        expect(decodeAll(layout, encodeKeyboardReports(text, layout))).toEqual([text]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('HID POS decoder', () => {
  it('joins continued reports and reads the AIM identifier (Honeywell captures)', () => {
    const reports = pos.honeywellCapturedReports.reports;
    const d = new HidPosDecoder();
    const out = reports.flatMap((r) => d.push(Uint8Array.from(r.bytes)));
    expect(out).toEqual([
      { aimId: ']X0', data: (reports[0]?.data ?? '') + (reports[1]?.data ?? '') },
      { aimId: ']Z6', data: reports[2]?.data },
    ]);
  });

  it('ignores other report IDs and resynchronises after a bad length', () => {
    const d = new HidPosDecoder();
    const good = pos.honeywellCapturedReports.reports[2]?.bytes ?? [];
    expect(d.push(Uint8Array.from([3, ...good.slice(1)]))).toEqual([]);
    expect(d.push(Uint8Array.from([2, 200, ...good.slice(2)]))).toEqual([]);
    expect(d.push(Uint8Array.from(good))).toHaveLength(1);
  });
});

describe('decoders never throw', () => {
  it('on random reports of any length', () => {
    const decoders = [
      new HidPosDecoder(),
      ...KEYBOARD_LAYOUTS.map((layout) => new KeyboardWedgeDecoder({ layout })),
    ];
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 20 }), (reports) => {
        for (const d of decoders) for (const r of reports) expect(Array.isArray(d.push(r))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

const POS_DEVICE = {
  path: '/dev/hidraw3',
  vendorId: 0x0c2e,
  productId: 0x0b61,
  usagePage: 0x8c,
  usage: 0x02,
};
const KB_DEVICE = { path: '/dev/hidraw4', vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x01, usage: 0x06 };

function collect(scanner: HidScanner): { scans: ScanEvent[]; statuses: DeviceStatusEvent[] } {
  const scans: ScanEvent[] = [];
  const statuses: DeviceStatusEvent[] = [];
  scanner.on('scan', (e) => scans.push(e));
  scanner.on('status', (e) => statuses.push(e));
  return { scans, statuses };
}

async function nextStatus(scanner: HidScanner, status: string): Promise<DeviceStatusEvent> {
  for (;;) {
    const [e] = (await once(scanner, 'status')) as [DeviceStatusEvent];
    if (e.status === status) return e;
  }
}

describe('enumerateHidScanners', () => {
  it('lists HID POS interfaces and keyboards, nothing else', async () => {
    const bus = new FakeHidBinding();
    const mouse = { path: '/dev/hidraw0', vendorId: 0x046d, productId: 0xc077, usagePage: 0x01, usage: 0x02 };
    bus.devices = [mouse, POS_DEVICE, KB_DEVICE];
    expect((await enumerateHidScanners(bus)).map((d) => [d.path, d.protocol])).toEqual([
      [POS_DEVICE.path, 'pos'],
      [KB_DEVICE.path, 'keyboard'],
    ]);
  });
});

describe('HidScanner', () => {
  it('opens the keyboard interface exclusively and emits scans for the fixture reports', async () => {
    const bus = new FakeHidBinding();
    bus.devices = [POS_DEVICE, KB_DEVICE];
    const scanner = new HidScanner({
      deviceId: 'hid-1',
      protocol: 'keyboard',
      layout: 'de',
      vendorId: 0x0c2e,
      productId: 0x0b61,
      binding: bus,
    });
    const { scans, statuses } = collect(scanner);
    await scanner.start();
    expect(scanner.status).toBe('online');
    expect(bus.opened.map((d) => [d.path, d.options.exclusive])).toEqual([[KB_DEVICE.path, true]]);
    (bus.opened[0] as FakeHidDevice).play(fixtureFor('de'));
    expect(scans).toMatchObject([{ deviceId: 'hid-1', code: workedText }]);
    expect(statuses.map((s) => s.status)).toEqual(['online']);
    await scanner.stop();
  });

  it('HID POS: strips the AIM id into aimId/symbology and a trailing CR/LF', async () => {
    const bus = new FakeHidBinding();
    bus.devices = [KB_DEVICE, POS_DEVICE];
    const scanner = new HidScanner({ deviceId: 'pos-1', protocol: 'pos', vendorId: 0x0c2e, binding: bus });
    const { scans } = collect(scanner);
    await scanner.start();
    expect(bus.opened[0]?.path).toBe(POS_DEVICE.path);
    (bus.opened[0] as FakeHidDevice).play(pos.honeywellCapturedReports.reports.map((r) => r.bytes));
    expect(scans).toMatchObject([
      {
        code: 'Product Name: Voyager 1602g\r\nBoot Revision: : 8992\r\nSoftum: N/A',
        aimId: ']X0',
        symbology: 'other',
      },
      { code: 'REVINF\u0006.', aimId: ']Z6', symbology: 'non-barcode' },
    ]);
    await scanner.stop();
  });

  it('goes offline on unplug and re-opens when the device is back', async () => {
    const bus = new FakeHidBinding();
    bus.devices = [KB_DEVICE];
    const scanner = new HidScanner({
      deviceId: 'hid-1',
      protocol: 'keyboard',
      path: KB_DEVICE.path,
      binding: bus,
      pollIntervalMs: 10,
    });
    const { scans } = collect(scanner);
    await scanner.start();
    const offline = nextStatus(scanner, 'offline');
    bus.unplug(KB_DEVICE.path);
    expect((await offline).error).toMatch(/lost/);
    expect(bus.opened[0]?.closed).toBe(true);
    const online = nextStatus(scanner, 'online');
    bus.devices = [KB_DEVICE];
    await online;
    (bus.opened[1] as FakeHidDevice).play(fixtureFor('us'));
    expect(scans.map((s) => s.code)).toEqual([workedText]);
    await scanner.stop();
    expect(scanner.status).toBe('offline');
  });

  it('a wedge scanner set up without Enter: the idle gap ends the code', async () => {
    const bus = new FakeHidBinding();
    bus.devices = [KB_DEVICE];
    const scanner = new HidScanner({
      deviceId: 'hid-1',
      protocol: 'keyboard',
      path: KB_DEVICE.path,
      binding: bus,
    });
    const { scans } = collect(scanner);
    await scanner.start();
    const withoutEnter = encodeKeyboardReports(']E04006381333931', 'us').slice(0, -2);
    const scanned = once(scanner, 'scan');
    (bus.opened[0] as FakeHidDevice).play(withoutEnter);
    expect(scans).toEqual([]);
    await scanned;
    expect(scans).toMatchObject([{ code: workedText, aimId: ']E0', symbology: 'ean-13' }]);
    await scanner.stop();
  });

  it('a scanner that sends Enter is not split by a pause in the middle of a code', async () => {
    const bus = new FakeHidBinding();
    bus.devices = [KB_DEVICE];
    const scanner = new HidScanner({
      deviceId: 'hid-1',
      protocol: 'keyboard',
      path: KB_DEVICE.path,
      binding: bus,
    });
    const { scans } = collect(scanner);
    await scanner.start();
    const device = bus.opened[0] as FakeHidDevice;
    device.play(encodeKeyboardReports('A1', 'us'));
    const reports = encodeKeyboardReports('SKU-42', 'us');
    device.play(reports.slice(0, 6));
    await new Promise((r) => setTimeout(r, 250));
    device.play(reports.slice(6));
    expect(scans.map((s) => s.code)).toEqual(['A1', 'SKU-42']);
    await scanner.stop();
  });

  it('reports a device that is absent at start as offline and an open failure as error', async () => {
    const bus = new FakeHidBinding();
    const scanner = new HidScanner({
      deviceId: 'hid-1',
      protocol: 'pos',
      vendorId: 1,
      productId: 2,
      binding: bus,
      pollIntervalMs: 10,
    });
    await scanner.start();
    expect(scanner.status).toBe('offline');
    expect(scanner.lastError).toBe('HID device 0001:0002 is not connected');
    const error = nextStatus(scanner, 'error');
    bus.openError = new Error('permission denied');
    bus.devices = [{ ...POS_DEVICE, vendorId: 1, productId: 2 }];
    expect((await error).error).toBe('permission denied');
    await scanner.stop();
  });

  it('turns a node-hid load failure (no libusb) into an error status, never a crash', async () => {
    const binding = createNodeHidBinding(() =>
      Promise.reject(new Error('libusb-1.0.so.0: cannot open shared object file')),
    );
    const scanner = new HidScanner({
      deviceId: 'hid-1',
      protocol: 'keyboard',
      vendorId: 1,
      binding,
      pollIntervalMs: 10,
    });
    await scanner.start();
    expect(scanner.status).toBe('error');
    expect(scanner.lastError).toMatch(/node-hid could not be loaded.*libusb-1\.0\.so\.0/);
    await scanner.stop();
  });
});
