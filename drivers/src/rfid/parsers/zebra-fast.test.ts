import { loadFixture } from '@store-edge/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildZebraBatch } from '../payloads.js';
import { EpcInterner } from './epc-intern.js';
import { type ParseResult, parseReaderPayload } from './index.js';
import { scanZebraTagData } from './zebra-fast.js';
import { parseZebraIot } from './zebra-iot.js';

// The fast path may only ever say what the full parser says: for any bytes it either gives
// up (undefined) or returns exactly the full parser's reads, with nothing rejected or ignored.

interface ZebraFixture {
  tagDataEvent: { singleEvent: Record<string, unknown> };
  batchedTagDataEvents: { example: Array<Record<string, unknown>> };
  concatenatedStreamEdgeCase: { example: string };
}
const zebra = loadFixture('zebra-iot-connector-events.json') as ZebraFixture;
const single = zebra.tagDataEvent.singleEvent;
const singleData = single['data'] as Record<string, unknown>;
const receivedAt = new Date('2030-01-01T00:00:00Z');

/** What parseReaderPayload said before the fast path existed. */
function full(bytes: Buffer): ParseResult {
  const text = bytes.toString('utf8');
  if (text.length === 0) return { reads: [], rejected: [], ignored: 1 };
  return parseZebraIot('reader-1', text, receivedAt);
}

/** Checks the fast path against the full parser; true when it took the message. */
function agrees(bytes: Buffer): boolean {
  const expected = full(bytes);
  const fast = scanZebraTagData('reader-1', bytes, receivedAt);
  if (fast !== undefined) expect({ reads: fast, rejected: [], ignored: 0 }).toEqual(expected);
  // And the public entry point, fast path included, is the full parser's answer.
  expect(parseReaderPayload('zebra-iot', 'reader-1', bytes, { receivedAt })).toEqual(expected);
  return fast !== undefined;
}

const hexDigits = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(...'0123456789ABCDEFabcdef'), { minLength: min, maxLength: max })
    .map((a) => a.join(''));
const epc = fc.oneof(
  { weight: 12, arbitrary: hexDigits(12, 12).map((h) => `30${h}${h.slice(0, 10)}`.toUpperCase()) },
  { weight: 3, arbitrary: hexDigits(1, 80) },
  { weight: 1, arbitrary: fc.constantFrom('', 'ZZ', '30G', 'ABC', '7EDA9038051002710002C0AE') },
);
const timestamp = fc.oneof(
  fc.constantFrom('2025-10-07T15:04:46.000+0000', '2025-10-07T15:04:46.123+0000', 'nonsense', ''),
  fc
    .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => `${d.toISOString().slice(0, -1)}+0000`),
);
const int = fc.oneof(fc.integer({ min: -100, max: 100 }), fc.integer(), fc.constantFrom(0, -0, 1e12));
const anyScalar = fc.oneof(fc.string(), int, fc.double(), fc.boolean(), fc.constant(null));

/** A tag data event as the fixture has it, with values, fields and key order varied. */
const event = fc
  .record(
    {
      type: fc.oneof(fc.constant('SIMPLE'), fc.constant('PORTAL'), anyScalar),
      timestamp: fc.oneof({ weight: 20, arbitrary: timestamp }, { weight: 1, arbitrary: anyScalar }),
      component: fc.constantFrom('RC', 'RG'),
      data: fc.record(
        {
          MAC: fc.constantFrom('C4:7D:CC:FF:FF:FF', 'C4:7D:CC:00:00:01'),
          antenna: fc.oneof(
            { weight: 20, arbitrary: fc.integer({ min: 0, max: 8 }) },
            { weight: 1, arbitrary: anyScalar },
          ),
          eventNum: fc.oneof({ weight: 5, arbitrary: fc.nat() }, { weight: 1, arbitrary: anyScalar }),
          format: fc.oneof(
            { weight: 20, arbitrary: fc.constant('epc') },
            { weight: 1, arbitrary: anyScalar },
          ),
          idHex: fc.oneof({ weight: 20, arbitrary: epc }, { weight: 1, arbitrary: anyScalar }),
          peakRssi: fc.oneof(
            { weight: 20, arbitrary: fc.integer({ min: -90, max: -20 }) },
            { weight: 1, arbitrary: anyScalar },
          ),
          reads: fc.nat(5),
          channel: fc.double({ min: 902, max: 928, noNaN: true }),
          phase: fc.double({ min: 0, max: 360, noNaN: true }),
          PC: fc.constantFrom('3000', '3400'),
          CRC: hexDigits(4, 4),
        },
        { requiredKeys: ['idHex'] },
      ),
    },
    { requiredKeys: ['data'] },
  )
  .chain((ev) => {
    const data = ev.data as Record<string, unknown>;
    const all = (o: object) => fc.shuffledSubarray(Object.keys(o), { minLength: Object.keys(o).length });
    return fc
      .tuple(all(ev), all(data))
      .map(([keys, dataKeys]) => reorder({ ...ev, data: reorder(data, dataKeys) }, keys));
  });

function reorder(ev: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = ev[k];
  return out;
}

/** Messages a Zebra reader could send: one event or a batch, compact or pretty-printed. */
const message = fc
  .record({
    events: fc.array(event, { minLength: 0, maxLength: 5 }),
    batched: fc.boolean(),
    indent: fc.constantFrom(undefined, undefined, 0, 2, '\t'),
    repeat: fc.nat(3),
  })
  .map(({ events, batched, indent, repeat }) => {
    // Batches repeat one layout with other values: the case the fast path is built for.
    const all = events.flatMap((e) => [e, ...Array.from({ length: repeat }, () => e)]);
    const value = batched || all.length !== 1 ? all : all[0];
    return Buffer.from(JSON.stringify(value, null, indent));
  });

/**
 * Events written as text, member by member, from the fixture's event: what JSON.stringify
 * never writes — repeated keys, numbers as `1e0`, `1.0`, `-0`, `01`, whitespace around
 * colons — on top of the values a reader sends.
 */
const RAW_VALUES = [
  '0',
  '-0',
  '1',
  '01',
  '1.0',
  '1e0',
  '1E+2',
  '-5e-1',
  '1234567890',
  '-70',
  '1.',
  '.5',
  '-',
  '2e',
  '1e400',
  '"epc"',
  '"tid"',
  'true',
  'false',
  'null',
  '"x\\"y"',
  '{}',
  '[]',
  '"3034257BF7194E4000001234"',
  '"2025-10-07T15:04:46.000+0000"',
  '"7eda9038051002710002c0ae"',
];
const edit = fc.record({
  where: fc.constantFrom('envelope', 'data'),
  op: fc.constantFrom('set', 'repeat', 'drop'),
  index: fc.nat(9),
  value: fc.constantFrom(...RAW_VALUES),
});
function member(key: string, value: string, ws: string): string {
  return `"${key}"${ws}:${ws}${value}`;
}
function rawEvent(
  edits: Array<{ where: string; op: string; index: number; value: string }>,
  ws: string,
): string {
  const data: Array<[string, string]> = Object.entries(singleData).map(([k, v]) => [k, JSON.stringify(v)]);
  const envelope: Array<[string, string]> = [
    ['type', '"SIMPLE"'],
    ['timestamp', JSON.stringify(single['timestamp'])],
  ];
  for (const e of edits) {
    const list = e.where === 'data' ? data : envelope;
    const at = e.index % (list.length + 1);
    const m = list[at];
    if (e.op === 'set' && m) list[at] = [m[0], e.value];
    else if (e.op === 'repeat' && m) list.splice(at + 1, 0, [m[0], e.value]);
    else if (e.op === 'drop' && m) list.splice(at, 1);
  }
  const dataText = `{${data.map(([k, v]) => member(k, v, ws)).join(`,${ws}`)}}`;
  const repeatData = edits.some((e) => e.where === 'envelope' && e.op === 'repeat' && e.value === '{}');
  const members = [...envelope.map(([k, v]) => member(k, v, ws)), member('data', dataText, ws)];
  if (repeatData) members.push(member('data', dataText, ws));
  return `{${members.join(`,${ws}`)}}`;
}
const rawMessage = fc
  .array(fc.array(edit, { maxLength: 2 }), { minLength: 1, maxLength: 4 })
  .chain((events) => fc.tuple(fc.constant(events), fc.constantFrom('', ' ', '\n')))
  .map(([events, ws]) =>
    Buffer.from(`[${events.flatMap((e) => [rawEvent([], ws), rawEvent(e, ws)]).join(',')}]`),
  );

/** Byte-level damage: flips, insertions, deletions, truncation, duplicated spans. */
const INTERESTING = [
  0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x2d, 0x2e, 0x30, 0x39, 0x41, 0x61, 0x65, 0x20, 0x0a, 0x00,
  0x7f, 0x80, 0xc3, 0xff,
];
const mutation = fc.record({
  kind: fc.constantFrom('set', 'insert', 'delete', 'truncate', 'duplicate'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 40 }),
  byte: fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 })),
});
function mutate(bytes: Buffer, muts: Array<{ kind: string; at: number; len: number; byte: number }>): Buffer {
  let b = Buffer.from(bytes);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.kind === 'set' && at < b.length) b[at] = m.byte;
    else if (m.kind === 'insert')
      b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'duplicate') b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
  }
  return b;
}

const canonical = (n: number, offset = 0) =>
  Buffer.from(
    buildZebraBatch(
      Array.from({ length: n }, (_, k) => ({
        epc: `3034257BF7194E4000${String(1000 + ((offset + k) % 7)).padStart(6, '0')}`,
        antenna: 1 + (k % 4),
        rssi: -45 - (k % 30),
        at: new Date(Date.UTC(2025, 9, 7, 15, 4, 46, k % 3)),
      })),
      { firstEventNum: 1 + offset },
    ),
  );

describe('zebra-iot fast path', () => {
  it('takes the fixture single event and batch, and agrees with the full parser', () => {
    expect(agrees(Buffer.from(JSON.stringify(single)))).toBe(true);
    expect(agrees(Buffer.from(JSON.stringify(zebra.batchedTagDataEvents.example)))).toBe(true);
    expect(agrees(Buffer.from(JSON.stringify(zebra.batchedTagDataEvents.example, null, 2)))).toBe(true);
  });

  it('leaves the concatenated stream, management events and malformed events to the full parser', () => {
    const heartbeat = {
      type: 'heartbeat',
      timestamp: '2025-10-07T15:04:46.000+0000',
      component: 'RC',
      eventNum: 7,
      data: { radio_control: { status: 'running', numTagReads: 12 } },
    };
    for (const payload of [
      zebra.concatenatedStreamEdgeCase.example,
      JSON.stringify([single, heartbeat]),
      JSON.stringify([single, { ...single, data: { idHex: '30G' } }]),
      JSON.stringify({ ...single, data: { ...singleData, format: 'tid' } }),
      JSON.stringify({ ...single, data: { ...singleData, idHex: 'ab\u00e9' } }),
      JSON.stringify([single, single]).replace('"idHex"', '"id\\u0048ex"'),
      `${JSON.stringify([single])}x`,
      '',
      '   ',
    ]) {
      expect(agrees(Buffer.from(payload))).toBe(false);
    }
  });

  it('takes the benchmark payloads (buildZebraBatch) of every batch size', () => {
    for (const n of [0, 1, 2, 10, 100]) expect(agrees(canonical(n))).toBe(true);
  });

  it('agrees with the full parser on random messages', () => {
    let taken = 0;
    fc.assert(
      fc.property(message, (bytes) => {
        if (agrees(bytes)) taken++;
      }),
      { numRuns: 3000 },
    );
    // Most of these are tag data the fast path should take, or it proves little.
    expect(taken).toBeGreaterThan(1000);
  });

  it('agrees with the full parser on damaged messages', () => {
    let taken = 0;
    const base = fc.oneof(
      message,
      fc.nat(12).map((n) => canonical(n)),
      fc.constant(Buffer.from(JSON.stringify(zebra.batchedTagDataEvents.example))),
    );
    fc.assert(
      fc.property(base, fc.array(mutation, { minLength: 1, maxLength: 4 }), (bytes, muts) => {
        if (agrees(mutate(bytes, muts))) taken++;
      }),
      { numRuns: 5000 },
    );
    expect(taken).toBeGreaterThan(200);
  });

  it('agrees with the full parser on events with repeated keys and unusual numbers', () => {
    let taken = 0;
    fc.assert(
      fc.property(rawMessage, (bytes) => {
        if (agrees(bytes)) taken++;
      }),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(300);
  });

  it('agrees with the full parser on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        agrees(Buffer.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads whose timestamps repeat share one Date; a timestamp Date.parse rejects gives the receive time', () => {
    const reads = scanZebraTagData('r', canonical(6), receivedAt) ?? [];
    expect(reads.map((r) => r.at.getTime() % 1000)).toEqual([0, 1, 2, 0, 1, 2]);
    const bad = scanZebraTagData(
      'r',
      Buffer.from(JSON.stringify({ ...single, timestamp: 'nonsense' })),
      receivedAt,
    );
    expect(bad?.[0]?.at).toBe(receivedAt);
  });
});

describe('EpcInterner', () => {
  it('always gives the uppercase EPC, whatever the collisions and evictions', () => {
    const tiny = new EpcInterner(2);
    fc.assert(
      fc.property(
        fc.array(
          hexDigits(1, 70).filter((h) => h.length % 2 === 0),
          { minLength: 1, maxLength: 30 },
        ),
        (epcs) => {
          for (const e of epcs) {
            const bytes = Buffer.from(`"${e}"`);
            const lower = /[a-f]/.test(e);
            const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            expect(tiny.intern(bytes, view, 1, e.length, lower)).toBe(e.toUpperCase());
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives the same string object for a tag seen again, in either case', () => {
    const interner = new EpcInterner();
    const at = (s: string) => {
      const b = Buffer.from(s);
      return interner.intern(
        b,
        new DataView(b.buffer, b.byteOffset, b.byteLength),
        0,
        s.length,
        /[a-f]/.test(s),
      );
    };
    const first = at('7EDA9038051002710002C0AE');
    expect(at('7EDA9038051002710002C0AE')).toBe(first);
    expect(at('7eda9038051002710002c0ae')).toBe(first);
  });
});
