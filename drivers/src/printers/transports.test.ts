import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FakeZebra, makePtyPair, makeTempDir, startFakeZebra } from '@store-edge/testing';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPrinterStatus } from './host-status.js';
import { openPrinterTransport, TcpPrinterTransport } from './index.js';
import {
  PrinterDeliveryUncertainError,
  type PrinterTransport,
  PrinterUnreachableError,
  parsePrinterAddress,
} from './transport.js';

const label = '^XA^CI28^PW400^LL200^FO20,20^A0N,30,30^FDCafé^FS^PQ2^XZ';

describe('printer addresses', () => {
  it('parses the three CONTRACT.md forms with their defaults', () => {
    expect(parsePrinterAddress('tcp://10.0.0.5:9100')).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 9100 });
    expect(parsePrinterAddress('tcp://printer-1')).toEqual({ kind: 'tcp', host: 'printer-1', port: 9100 });
    expect(parsePrinterAddress('serial:/dev/ttyUSB0?baudRate=115200')).toEqual({
      kind: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 115200,
    });
    expect(parsePrinterAddress('serial:/dev/ttyUSB0')).toMatchObject({ baudRate: 9600 });
    expect(parsePrinterAddress('file:/dev/usb/lp0')).toEqual({ kind: 'file', path: '/dev/usb/lp0' });
  });

  it('explains a bad address', () => {
    expect(() => parsePrinterAddress('lpd://x')).toThrow(/tcp:\/\/host:9100/);
    expect(() => parsePrinterAddress('tcp://host:99999')).toThrow(/port/);
    expect(() => parsePrinterAddress('serial:/dev/ttyS0?baud=9600')).toThrow(/unknown option 'baud'/);
  });
});

describe('TCP transport against the fake Zebra', () => {
  let printer: FakeZebra | undefined;
  let transport: PrinterTransport | undefined;
  afterEach(async () => {
    await transport?.close();
    await printer?.stop();
  });

  it('delivers a label byte for byte and reads a ready status', async () => {
    printer = await startFakeZebra();
    transport = openPrinterTransport(printer.address);
    const status = await checkPrinterStatus(transport, { timeoutMs: 2000 });
    expect(status).toMatchObject({ ready: true, problems: [] });
    await transport.send(label);
    const [job] = await printer.waitForJobs(1);
    expect(job?.zpl).toBe(label);
    expect(job?.copies).toBe(2);
  });

  it('reports paper out, head open and paused from ~HS', async () => {
    printer = await startFakeZebra({ state: { paperOut: true, headOpen: true, paused: true } });
    transport = openPrinterTransport(printer.address);
    const status = await checkPrinterStatus(transport, { timeoutMs: 2000 });
    expect(status.ready).toBe(false);
    expect(status.problems).toEqual(['paper out', 'head open', 'paused']);
  });

  it('treats a printer that stays silent as not ready', async () => {
    printer = await startFakeZebra({ state: { ribbonOut: true, silentWhenFaulted: true } });
    transport = openPrinterTransport(printer.address);
    const status = await checkPrinterStatus(transport, { timeoutMs: 200 });
    expect(status.ready).toBe(false);
    expect(status.problems[0]).toMatch(/no reply to ~HS within 200 ms/);
  });

  it('reports an unreachable printer and reconnects once it is back', async () => {
    printer = await startFakeZebra();
    transport = openPrinterTransport(printer.address);
    await transport.send('^XA^FDone^FS^XZ');
    await printer.waitForJobs(1);
    await printer.down();
    // Refused at connect: nothing left this host, so the queue may retry without a double print.
    await expect(transport.send('^XA^FDtwo^FS^XZ')).rejects.toThrow(PrinterUnreachableError);
    const down = await checkPrinterStatus(transport, { timeoutMs: 500 });
    expect(down.ready).toBe(false);
    await printer.up();
    await transport.send('^XA^FDthree^FS^XZ');
    const jobs = await printer.waitForJobs(2);
    expect(jobs.map((j) => j.zpl)).toEqual(['^XA^FDone^FS^XZ', '^XA^FDthree^FS^XZ']);
  });
});

describe('TCP transport: a printer that stops mid-job', () => {
  it('reports the job as uncertain, not as failed, when the printer never takes it', async () => {
    const printer = await startFakeZebra({ state: { hold: true } });
    const transport = new TcpPrinterTransport({ host: printer.host, port: printer.port, sendTimeoutMs: 300 });
    try {
      await expect(transport.send(label)).rejects.toThrow(PrinterDeliveryUncertainError);
    } finally {
      await transport.close();
      await printer.stop();
    }
  });
});

describe('serial transport', () => {
  it('writes ZPL to the port and reads the ~HS reply', async () => {
    const pair = await makePtyPair();
    if ('skip' in pair) throw new Error(pair.skip);
    const printerEnd = new SerialPort({ path: pair.scannerPath, baudRate: 9600 });
    const transport = openPrinterTransport(`serial:${pair.devicePath}?baudRate=9600`);
    try {
      let seen = '';
      printerEnd.on('data', (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        if (seen.endsWith('~HS')) {
          printerEnd.write(
            '\x02030,1,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n',
          );
        }
      });
      await transport.send(label);
      const status = await checkPrinterStatus(transport, { timeoutMs: 2000 });
      expect(status.problems).toEqual(['paper out']);
      expect(seen).toBe(`${label}~HS`);
    } finally {
      await transport.close();
      await new Promise((r) => printerEnd.close(r));
      await pair.stop();
    }
  });
});

describe('file transport', () => {
  it('appends each job to the device and times out a status query on a device without back channel', async () => {
    const dir = makeTempDir();
    const path = join(dir.path, 'lp0');
    writeFileSync(path, '');
    const transport = openPrinterTransport(`file:${path}`);
    try {
      await transport.send(label);
      await transport.send(label);
      expect(readFileSync(path, 'utf8')).toBe(label + label);
      const status = await checkPrinterStatus(transport, { timeoutMs: 100 });
      expect(status.ready).toBe(false);
    } finally {
      await transport.close();
      dir.remove();
    }
  });

  it('fails a job when the device is absent instead of creating a file', async () => {
    const dir = makeTempDir();
    const transport = openPrinterTransport(`file:${join(dir.path, 'missing-lp0')}`);
    await expect(transport.send(label)).rejects.toThrow(PrinterUnreachableError);
    await expect(transport.send(label)).rejects.toThrow(/ENOENT/);
    dir.remove();
  });
});
