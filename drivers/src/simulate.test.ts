import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePtyPair, makeTempDir } from '@store-edge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScanEvent } from './events.js';
import { SerialScanner } from './serial/serial-scanner.js';
import { parseScannerArgs, simulateCli } from './simulate.js';

function capture() {
  let text = '';
  return { io: { stderr: { write: (s: string) => (text += s) } }, text: () => text };
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  process.exitCode = undefined;
  for (const c of cleanup.splice(0)) c();
});

describe('store-edge simulate scanner', () => {
  it('writes the codes file to the pty; a SerialScanner on the other end sees every code', async () => {
    const pair = await makePtyPair();
    if ('skip' in pair) throw new Error(pair.skip);
    const dir = makeTempDir('sim-');
    cleanup.push(dir.remove);
    const file = join(dir.path, 'codes.txt');
    writeFileSync(file, '# demo\n]E04006381333931\n\n]C10109506000134352{GS}10ABC\nSKU-1\n');
    const scanner = new SerialScanner({ deviceId: 'sim', path: pair.devicePath, suffix: '\r\n' });
    const scans: ScanEvent[] = [];
    scanner.on('scan', (e) => scans.push(e));
    await scanner.start();
    const out = capture();
    try {
      await simulateCli(
        ['scanner', '--path', pair.scannerPath, '--codes', file, '--rate', '100', '--suffix', 'crlf'],
        out.io,
      );
      const deadline = Date.now() + 5000;
      while (scans.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await scanner.stop();
      await pair.stop();
    }
    expect(scans.map((s) => [s.aimId, s.code])).toEqual([
      [']E0', '4006381333931'],
      [']C1', '0109506000134352\u001d10ABC'],
      [undefined, 'SKU-1'],
    ]);
    expect(out.text()).toContain('sent 3/3');
    expect(process.exitCode).toBeUndefined();
  });

  it('prints usage for bad arguments', async () => {
    for (const argv of [
      [],
      ['printer'],
      ['scanner'],
      ['scanner', '--path', '/x', '--codes', '/nonexistent'],
      ['scanner', '--bogus'],
    ]) {
      const out = capture();
      await simulateCli(argv, out.io);
      expect(out.text(), argv.join(' ')).toContain('usage:');
      expect(process.exitCode).toBe(2);
    }
  });

  it('validates rate and suffix', () => {
    const dir = makeTempDir('sim-');
    cleanup.push(dir.remove);
    const file = join(dir.path, 'c.txt');
    writeFileSync(file, 'A\n');
    expect(parseScannerArgs(['--path', 'p', '--codes', file, '--rate', '0'])).toMatch(/--rate/);
    expect(parseScannerArgs(['--path', 'p', '--codes', file, '--suffix', 'tab'])).toMatch(/--suffix/);
    expect(parseScannerArgs(['--path', 'p', '--codes', file])).toEqual({
      path: 'p',
      codes: ['A'],
      rate: 5,
      suffix: '\r',
    });
  });
});
