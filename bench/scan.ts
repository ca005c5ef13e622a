// Scanner path speed: code parsing, HID keyboard decoding, and serial scanner end-to-end
// latency over a real socat pty against the raw pty round trip measured in the same run.
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  encodeKeyboardReports,
  KeyboardWedgeDecoder,
  parseCode,
  type ScanEvent,
  SerialScanner,
} from '@store-edge/drivers';
import { makePtyPair } from '@store-edge/testing';
import { percentile, report } from './_report.js';

const CODES = [
  '4006381333931',
  ']E04006381333931',
  ']C101095060001343521720122510ABC123\u001d21XYZ',
  '(01)09506000134352(3103)001250(3922)1999',
  'https://id.gs1.org/01/09506000134352/10/ABC123?17=201225',
  '3074257BF7194E4000001A85',
  'SKU-12345',
  ']C10102824040005133',
];

function benchParse(): void {
  const rounds = 20_000;
  const sample: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const code = CODES[i % CODES.length] ?? '';
    const s = performance.now();
    parseCode(code, { rcnRegion: 'de' });
    sample.push((performance.now() - s) * 1000);
  }
  const total = performance.now() - t0;
  report({ name: 'parseCode throughput', value: rounds / (total / 1000), unit: 'codes/s' });
  report({ name: 'parseCode p99', value: percentile(sample, 99), unit: 'µs' });
}

function benchKeyboard(): void {
  const reports = encodeKeyboardReports(']C101095060001343521720122510ABC123\u001d21XYZ', 'de');
  const decoder = new KeyboardWedgeDecoder({ layout: 'de' });
  const rounds = 5_000;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) for (const r of reports) decoder.push(r);
  const secs = (performance.now() - t0) / 1000;
  report({ name: 'keyboard wedge decode', value: (rounds * reports.length) / secs, unit: 'reports/s' });
}

async function benchSerial(): Promise<void> {
  const pair = await makePtyPair();
  if ('skip' in pair) {
    process.stderr.write(`serial bench skipped: ${pair.skip}\n`);
    return;
  }
  const n = 200;
  const fd = openSync(pair.scannerPath, 'w');
  try {
    // Raw limit: the same bytes through a bare serialport on the same pty (no framing,
    // parsing or events of ours).
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({ path: pair.devicePath, baudRate: 9600, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((err) => (err ? rej(err) : res())));
    const raw: number[] = [];
    let buffered = '';
    let onLine: () => void = () => {};
    port.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      if (buffered.endsWith('\r')) {
        buffered = '';
        onLine();
      }
    });
    for (let i = 0; i < n; i++) {
      const got = new Promise<void>((r) => {
        onLine = r;
      });
      const s = performance.now();
      writeSync(fd, ']E04006381333931\r');
      await got;
      raw.push(performance.now() - s);
    }
    await new Promise<void>((r) => port.close(() => r()));

    const scanner = new SerialScanner({ deviceId: 'bench', path: pair.devicePath });
    await scanner.start();
    const lat: number[] = [];
    let onScan: (e: ScanEvent) => void = () => {};
    scanner.on('scan', (e) => onScan(e));
    for (let i = 0; i < n; i++) {
      const got = new Promise<ScanEvent>((r) => {
        onScan = r;
      });
      const s = performance.now();
      writeSync(fd, ']E04006381333931\r');
      await got;
      lat.push(performance.now() - s);
    }
    await scanner.stop();
    const rawP50 = percentile(raw, 50);
    const p50 = percentile(lat, 50);
    report({ name: 'serial scan latency p50', value: p50, unit: 'ms', limit: rawP50, ratio: p50 / rawP50 });
    report({
      name: 'serial scan latency p99',
      value: percentile(lat, 99),
      unit: 'ms',
      limit: percentile(raw, 99),
    });
  } finally {
    closeSync(fd);
    await pair.stop();
  }
}

benchParse();
benchKeyboard();
await benchSerial();
