// Decoding throughput of RFID reader payloads, without a broker: batched Zebra IoT Connector
// arrays through parseReaderPayload, against JSON.parse alone on the same bytes (the raw
// limit: the parser cannot be faster than parsing the JSON it is given).
//   npm run bench -- rfid-decode [--batch 50] [--seconds 0.5]
import { parseArgs } from 'node:util';
import { decodeEpc } from '../drivers/src/gs1/epc/decode.js';
import { parseReaderPayload } from '../drivers/src/rfid/parsers/index.js';
import {
  buildImpinjEvents,
  buildZebraBatch,
  demoGtins,
  makeTagPopulation,
} from '../drivers/src/rfid/payloads.js';
import { PresenceSmoother } from '../drivers/src/rfid/smoother.js';
import { report } from './_report.js';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { batch: { type: 'string', default: '50' }, seconds: { type: 'string', default: '0.5' } },
});
const batch = Number(values.batch);
const seconds = Number(values.seconds);

const epcs = makeTagPopulation(1000, demoGtins(5));
const at = new Date('2030-01-01T12:00:00Z');
const readsFor = (offset: number, n: number) =>
  Array.from({ length: n }, (_, k) => ({
    epc: epcs[(offset + k) % epcs.length] as string,
    antenna: 1 + (k % 4),
    rssi: -50 - (k % 30),
    at,
  }));

const zebraPayloads: Buffer[] = [];
for (let i = 0; i < 200; i++) zebraPayloads.push(Buffer.from(buildZebraBatch(readsFor(i * batch, batch))));
const impinjPayloads = buildImpinjEvents(readsFor(0, 2000)).map((s) => Buffer.from(s));

/** Runs `fn` over the payloads until `seconds` have passed; returns reads per second. */
function measure(payloads: Buffer[], readsPerPayload: number, fn: (p: Buffer) => number): number {
  // Warm-up so both sides are measured optimised.
  for (let i = 0; i < 3; i++) for (const p of payloads) fn(p);
  let reads = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (const p of payloads) sink += fn(p);
    reads += payloads.length * readsPerPayload;
    elapsed = performance.now() - start;
  } while (elapsed < seconds * 1000);
  if (sink < 0) process.stdout.write('');
  return reads / (elapsed / 1000);
}

const jsonOnly = (p: Buffer) => (JSON.parse(p.toString('utf8')) as unknown[]).length;
const parsed = (p: Buffer) => parseReaderPayload('zebra-iot', 'bench', p, { receivedAt: at }).reads.length;
const parsedAndDecoded = (p: Buffer) => {
  const { reads } = parseReaderPayload('zebra-iot', 'bench', p, { receivedAt: at });
  let n = 0;
  for (const r of reads) if (decodeEpc(r.epc).scheme === 'sgtin-96') n++;
  return n;
};

/** Best of three alternating rounds, so neither side gains from running first or last. */
function compare(
  payloads: Buffer[],
  readsPerPayload: number,
  raw: (p: Buffer) => number,
  fn: (p: Buffer) => number,
) {
  let limit = 0;
  let value = 0;
  for (let round = 0; round < 3; round++) {
    limit = Math.max(limit, measure(payloads, readsPerPayload, raw));
    value = Math.max(value, measure(payloads, readsPerPayload, fn));
  }
  return { value, limit, ratio: value / limit };
}

report({
  name: 'rfid-decode zebra-iot batched',
  unit: 'reads/s',
  batch,
  ...compare(zebraPayloads, batch, jsonOnly, parsed),
});
report({
  name: 'rfid-decode zebra-iot batched + decodeEpc',
  unit: 'reads/s',
  batch,
  ...compare(zebraPayloads, batch, jsonOnly, parsedAndDecoded),
});
const impinjJson = (p: Buffer) => (JSON.parse(p.toString('utf8')) ? 1 : 0);
const impinjParsed = (p: Buffer) =>
  parseReaderPayload('impinj-iot', 'bench', p, { receivedAt: at }).reads.length;
report({
  name: 'rfid-decode impinj-iot single events',
  unit: 'reads/s',
  ...compare(impinjPayloads, 1, impinjJson, impinjParsed),
});

// Smoothing cost per read (no raw limit applies): parsed reads through one smoother, zones by
// antenna, with a fake clock advancing 1 ms per payload and a tick every 1000 payloads.
{
  const clock = { t: 0, now: () => clock.t };
  const smoother = new PresenceSmoother({}, clock);
  const parsedReads = zebraPayloads.map(
    (p) => parseReaderPayload('zebra-iot', 'bench', p, { receivedAt: at }).reads,
  );
  let payloadIndex = 0;
  const smooth = (_p: Buffer) => {
    const reads = parsedReads[payloadIndex++ % parsedReads.length]!;
    clock.t++;
    let events = 0;
    for (const r of reads) events += smoother.observe(r.epc, `zone-${r.antenna}`, r.rssi).length;
    if (payloadIndex % 1000 === 0) events += smoother.tick().length;
    return events;
  };
  const value = measure(zebraPayloads, batch, smooth);
  report({ name: 'rfid-decode smoother observe', unit: 'reads/s', value, tags: epcs.length });
}
