import { startMosquitto } from '@store-edge/testing';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEpc } from '../gs1/epc/decode.js';
import { parseReaderPayload } from './parsers/index.js';
import {
  buildImpinjEvents,
  buildZebraBatch,
  demoGtins,
  makeTagPopulation,
  simulateRfidCli,
} from './simulate.js';

describe('payload builders', () => {
  const gtins = demoGtins(3);
  const epcs = makeTagPopulation(4, gtins);
  const at = new Date('2030-01-01T12:00:00.000Z');
  const reads = epcs.map((epc, i) => ({ epc, antenna: i + 1, rssi: -60 - i, at }));

  it('demo GTINs are valid GTIN-14s and the tags are distinct SGTIN-96s of them', () => {
    expect(gtins).toEqual(['00614141000012', '00614141000029', '00614141000036']);
    expect(new Set(epcs).size).toBe(4);
    expect(epcs.map((e) => decodeEpc(e))).toMatchObject([
      { scheme: 'sgtin-96', gtin14: gtins[0], serial: '1' },
      { scheme: 'sgtin-96', gtin14: gtins[1], serial: '1' },
      { scheme: 'sgtin-96', gtin14: gtins[2], serial: '1' },
      { scheme: 'sgtin-96', gtin14: gtins[0], serial: '2' },
    ]);
  });

  it('a Zebra batch parses back into the same reads', () => {
    const r = parseReaderPayload('zebra-iot', 'r1', Buffer.from(buildZebraBatch(reads)));
    expect(r.rejected).toEqual([]);
    expect(r.reads).toEqual(reads.map((x) => ({ readerId: 'r1', ...x })));
  });

  it('Impinj events parse back into the same reads', () => {
    const events = buildImpinjEvents(reads);
    expect(events).toHaveLength(4);
    const parsed = events.flatMap((e) => parseReaderPayload('impinj-iot', 'r1', Buffer.from(e)).reads);
    expect(parsed).toEqual(reads.map((x) => ({ readerId: 'r1', ...x })));
  });
});

describe('simulateRfidCli against a real broker', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function run(format: 'zebra-iot' | 'impinj-iot', extra: string[]) {
    const broker = await startMosquitto({ users: [{ username: 'reader', password: 'secret' }] });
    if ('skip' in broker) throw new Error(broker.skip);
    cleanups.push(() => broker.stop());
    const sub = await mqtt.connectAsync(broker.url, { username: 'reader', password: 'secret' });
    cleanups.push(() => sub.endAsync());
    const payloads: Buffer[] = [];
    sub.on('message', (_t, p) => payloads.push(p));
    const topic = `test/${format}`;
    await sub.subscribeAsync(topic);
    const lines: string[] = [];
    const totals = await simulateRfidCli(
      [
        'rfid',
        '--format',
        format,
        '--url',
        broker.url,
        '--topic',
        topic,
        '--username',
        'reader',
        '--password',
        'secret',
        ...extra,
      ],
      { out: (l) => lines.push(l) },
    );
    // Everything published has been written; give the broker a moment to deliver (bounded).
    for (let i = 0; i < 100 && payloads.length < (totals?.messages ?? 0); i++)
      await new Promise((r) => setTimeout(r, 20));
    return { totals, lines, payloads };
  }

  it('publishes R reads/s for the duration as batched Zebra arrays, and prints GTINs and totals', async () => {
    const { totals, lines, payloads } = await run('zebra-iot', [
      '--tags',
      '10',
      '--rate',
      '200',
      '--duration',
      '1',
      '--batch',
      '25',
    ]);
    expect(totals).toMatchObject({ reads: 200, messages: 8 });
    expect(lines.join('\n')).toContain('00614141000012 00614141000029 00614141000036');
    expect(lines.at(-1)).toMatch(/^done: 200 reads in 8 messages/);
    expect(payloads).toHaveLength(8);
    const reads = payloads.flatMap((p) => {
      const r = parseReaderPayload('zebra-iot', 'sim', p);
      expect(r.rejected).toEqual([]);
      expect(p.toString().startsWith('[')).toBe(true);
      return r.reads;
    });
    expect(reads).toHaveLength(200);
    expect(new Set(reads.map((r) => r.epc)).size).toBe(10);
    for (const r of reads) expect(totals?.gtins).toContain((decodeEpc(r.epc) as { gtin14: string }).gtin14);
  });

  it('publishes one Impinj tagInventory event per message', async () => {
    const { totals, payloads } = await run('impinj-iot', ['--tags', '5', '--rate', '50', '--duration', '1']);
    expect(totals).toMatchObject({ reads: 50, messages: 50 });
    expect(payloads).toHaveLength(50);
    const reads = payloads.flatMap((p) => parseReaderPayload('impinj-iot', 'sim', p).reads);
    expect(reads).toHaveLength(50);
  });

  it('refuses bad arguments with exit code 2 and publishes nothing', async () => {
    const before = process.exitCode;
    const lines: string[] = [];
    const totals = await simulateRfidCli(['--format', 'acme', '--rate', '10'], { out: (l) => lines.push(l) });
    expect(totals).toBeUndefined();
    expect(process.exitCode).toBe(2);
    expect(lines).toEqual([]);
    process.exitCode = before;
  });
});
