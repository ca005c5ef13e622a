import { closeSync, openSync, writeSync } from 'node:fs';
import { makePtyPair, type PtyPair } from '@store-edge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceStatusEvent, ScanEvent } from '../events.js';
import { SerialScanner } from './serial-scanner.js';

/** Resolves with the first event matching `match`, or fails after `ms`. */
function waitFor<T>(
  scanner: SerialScanner,
  event: 'scan' | 'status',
  match: (e: T) => boolean,
  ms = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      scanner.off(event, listener as never);
      reject(new Error(`no matching ${event} event within ${ms} ms`));
    }, ms);
    const listener = (e: T) => {
      if (!match(e)) return;
      clearTimeout(timer);
      scanner.off(event, listener as never);
      resolve(e);
    };
    scanner.on(event, listener as never);
  });
}

/** The scanner end of the pty, held open like a plugged-in scanner's UART. */
class ScannerEnd {
  readonly fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(s: string): void {
    writeSync(this.fd, Buffer.from(s, 'latin1'));
  }
  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already gone with the pty
    }
  }
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function pty(paths?: { devicePath: string; scannerPath: string }): Promise<PtyPair> {
  const pair = await makePtyPair(paths);
  if ('skip' in pair) throw new Error(pair.skip);
  cleanup.push(() => pair.stop());
  return pair;
}

describe('SerialScanner on a real pseudo-terminal (socat)', () => {
  it('turns scanner bytes into scans, goes offline when the pty dies and recovers on a new one', async () => {
    const pair = await pty();
    const scanner = new SerialScanner({ deviceId: 'serial-1', path: pair.devicePath });
    cleanup.push(() => scanner.stop());
    const scans: ScanEvent[] = [];
    scanner.on('scan', (e) => scans.push(e));
    await scanner.start();
    expect(scanner.status).toBe('online');

    let end = new ScannerEnd(pair.scannerPath);
    cleanup.push(() => end.close());
    // An EAN-13 with AIM identifier and CR, a GS1-128 with FNC1 as GS and CRLF, and a code
    // split over two writes with a pause longer than the idle gap (this scanner sends
    // suffixes, so the pause does not split the code).
    end.write(']E04006381333931\r');
    end.write(']C1010950600013435217201225\u001d10ABC123\r\n');
    await waitFor<ScanEvent>(scanner, 'scan', (e) => e.aimId === ']C1');
    end.write('SKU-');
    await new Promise((r) => setTimeout(r, 120));
    end.write('42\n');
    await waitFor<ScanEvent>(scanner, 'scan', (e) => e.code.startsWith('SKU'));
    expect(scans.map(({ code, aimId, symbology }) => ({ code, aimId, symbology }))).toEqual([
      { code: '4006381333931', aimId: ']E0', symbology: 'ean-13' },
      { code: '010950600013435217201225\u001d10ABC123', aimId: ']C1', symbology: 'gs1-128' },
      { code: 'SKU-42', aimId: undefined, symbology: undefined },
    ]);
    expect(scans.every((s) => s.deviceId === 'serial-1' && s.at instanceof Date)).toBe(true);

    // Unplug: socat dies, both ends vanish.
    const offline = waitFor<DeviceStatusEvent>(scanner, 'status', (e) => e.status === 'offline');
    end.close();
    await pair.stop();
    const off = await offline;
    expect(off.error).toMatch(/serial port .* (lost|not present)/);
    expect(scanner.lastError).toBe(off.error);

    // Re-plug at the same path.
    const online = waitFor<DeviceStatusEvent>(scanner, 'status', (e) => e.status === 'online');
    const again = await pty({ devicePath: pair.devicePath, scannerPath: pair.scannerPath });
    await online;
    end = new ScannerEnd(again.scannerPath);
    const scan = waitFor<ScanEvent>(scanner, 'scan', () => true);
    end.write(']E00416000336108\r');
    expect(await scan).toMatchObject({ code: '0416000336108', aimId: ']E0' });

    await scanner.stop();
    expect(scanner.status).toBe('offline');
  });

  it('is offline while the port does not exist and comes online when it appears', async () => {
    const first = await pty();
    await first.stop();
    const scanner = new SerialScanner({
      deviceId: 's',
      path: first.devicePath,
      suffix: '\r\n',
      retryMs: 200,
    });
    cleanup.push(() => scanner.stop());
    await scanner.start();
    expect(scanner.status).toBe('offline');
    expect(scanner.lastError).toBe(`serial port ${first.devicePath} is not present`);
    const online = waitFor<DeviceStatusEvent>(scanner, 'status', (e) => e.status === 'online');
    const pair = await pty({ devicePath: first.devicePath, scannerPath: first.scannerPath });
    await online;
    const end = new ScannerEnd(pair.scannerPath);
    cleanup.push(() => end.close());
    const scan = waitFor<ScanEvent>(scanner, 'scan', () => true);
    end.write('A\rB\r\n');
    expect((await scan).code).toBe('A\rB');
  });

  it('ends codes by the idle gap for a scanner that sends no suffix', async () => {
    const pair = await pty();
    const scanner = new SerialScanner({ deviceId: 's', path: pair.devicePath });
    cleanup.push(() => scanner.stop());
    const scans: ScanEvent[] = [];
    scanner.on('scan', (e) => scans.push(e));
    await scanner.start();
    const end = new ScannerEnd(pair.scannerPath);
    cleanup.push(() => end.close());
    end.write(']E04006381333931');
    await waitFor<ScanEvent>(scanner, 'scan', () => true);
    end.write('NOSUFFIX');
    await waitFor<ScanEvent>(scanner, 'scan', (e) => e.code === 'NOSUFFIX');
    expect(scans.map((s) => [s.aimId, s.code])).toEqual([
      [']E0', '4006381333931'],
      [undefined, 'NOSUFFIX'],
    ]);
  });

  it('reports an unusable path as error and never throws', async () => {
    const scanner = new SerialScanner({ deviceId: 's', path: '/etc/hostname', retryMs: 200 });
    cleanup.push(() => scanner.stop());
    await scanner.start();
    expect(scanner.status).toBe('error');
    expect(scanner.lastError).toMatch(/^serial port \/etc\/hostname: /);
  });
});
