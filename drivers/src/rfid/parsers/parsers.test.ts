import { loadFixture } from '@store-edge/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReaderPayload, type ReaderFormat } from './index.js';

interface ZebraFixture {
  tagDataEvent: { singleEvent: unknown };
  batchedTagDataEvents: { example: unknown[] };
  concatenatedStreamEdgeCase: { example: string };
}
interface ImpinjFixture {
  tagInventoryEventExample: { tagInventoryEvent: Record<string, unknown> } & Record<string, unknown>;
}

const zebra = loadFixture('zebra-iot-connector-events.json') as ZebraFixture;
const impinj = loadFixture('impinj-iot-events.json') as ImpinjFixture;
const receivedAt = new Date('2030-01-01T00:00:00Z');

function parse(format: ReaderFormat, payload: unknown) {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return parseReaderPayload(format, 'reader-1', Buffer.from(text), { receivedAt });
}

const zebraRead = (eventNum: number) => ({
  readerId: 'reader-1',
  antenna: 1,
  epc: '7EDA9038051002710002C0AE',
  rssi: -70,
  // Zebra's "+0000" offset form.
  at: new Date('2025-10-07T15:04:46.000Z'),
  _eventNum: eventNum,
});
const withoutNum = ({ _eventNum, ...r }: ReturnType<typeof zebraRead>) => r;

describe('zebra-iot', () => {
  it('parses a single tag data event from the fixture', () => {
    const r = parse('zebra-iot', zebra.tagDataEvent.singleEvent);
    expect(r).toEqual({ reads: [withoutNum(zebraRead(1))], rejected: [], ignored: 0 });
  });

  it('parses a batched array from the fixture', () => {
    const r = parse('zebra-iot', zebra.batchedTagDataEvents.example);
    expect(r.reads).toEqual([withoutNum(zebraRead(1)), withoutNum(zebraRead(2))]);
    expect(r.rejected).toEqual([]);
  });

  it('parses the concatenated stream form from the fixture', () => {
    const r = parse('zebra-iot', zebra.concatenatedStreamEdgeCase.example);
    expect(r.reads).toHaveLength(2);
    expect(r.reads[1]).toEqual(withoutNum(zebraRead(2)));
    expect(r.rejected).toEqual([]);
  });

  it('keeps good events of a concatenated stream when one part is broken', () => {
    const good = JSON.stringify(zebra.tagDataEvent.singleEvent);
    const r = parse('zebra-iot', `${good}{"type":"SIMPLE","data":{"idHex":"30`);
    expect(r.reads).toHaveLength(1);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]!.reason).toMatch(/^zebra-iot part 1: not JSON/);
  });

  it('ignores heartbeat and other management events', () => {
    const heartbeat = {
      type: 'heartbeat',
      timestamp: '2025-10-07T15:04:46.000+0000',
      component: 'RC',
      eventNum: 7,
      data: { radio_control: { status: 'running', numTagReads: 12 } },
    };
    const warning = { type: 'warning', component: 'RG', eventNum: 8, data: { message: 'ntp' } };
    const r = parse('zebra-iot', [heartbeat, zebra.tagDataEvent.singleEvent, warning]);
    expect(r.reads).toHaveLength(1);
    expect(r).toMatchObject({ rejected: [], ignored: 2 });
  });

  it('lowercase idHex becomes uppercase; missing antenna is 0; missing RSSI is undefined', () => {
    const r = parse('zebra-iot', { type: 'SIMPLE', timestamp: 'nonsense', data: { idHex: '30abcdef' } });
    expect(r.reads).toEqual([
      { readerId: 'reader-1', antenna: 0, epc: '30ABCDEF', rssi: undefined, at: receivedAt },
    ]);
  });

  it('rejects malformed events with readable reasons, one per bad event', () => {
    const r = parse('zebra-iot', [
      { type: 'SIMPLE', data: { idHex: '30G' } },
      { type: 'SIMPLE', data: { idHex: 'ABC' } },
      { type: 'SIMPLE', data: { idHex: '3074', antenna: 'one' } },
      { type: 'SIMPLE', data: { idHex: '3074', format: 'tid' } },
      { type: 'SIMPLE', data: { antenna: 1 } },
      { hello: 'world' },
      42,
      zebra.tagDataEvent.singleEvent,
    ]);
    expect(r.reads).toHaveLength(1);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'zebra-iot message event 0: data.idHex is not an even-length hex string',
      'zebra-iot message event 1: data.idHex is not an even-length hex string',
      'zebra-iot message event 2: data.antenna is not a port number',
      'zebra-iot message event 3: data.format tid is not epc',
      'zebra-iot message event 4: data.idHex missing',
      'zebra-iot message event 5: no data object',
      'zebra-iot message event 6: not a JSON object',
    ]);
    expect(r.rejected[5]!.raw).toBe('{"hello":"world"}');
  });

  it('rejects non-JSON text with the text as raw (clipped)', () => {
    const r = parse('zebra-iot', 'x'.repeat(2000));
    expect(r.reads).toEqual([]);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]!.reason).toMatch(/not JSON/);
    expect(r.rejected[0]!.raw.length).toBeLessThanOrEqual(513);
  });

  it('treats an empty message (retained-message clear) as ignored', () => {
    expect(parseReaderPayload('zebra-iot', 'r', Buffer.alloc(0))).toEqual({
      reads: [],
      rejected: [],
      ignored: 1,
    });
  });
});

describe('impinj-iot', () => {
  const example = impinj.tagInventoryEventExample;
  const expected = {
    readerId: 'reader-1',
    antenna: 1,
    epc: '7EDA9038051002710002C0AE',
    rssi: -70,
    at: new Date('2025-05-08T15:36:02.000Z'),
  };

  it('parses the fixture tagInventoryEvent (epcHex preferred, centi-dBm to dBm)', () => {
    expect(parse('impinj-iot', example)).toEqual({ reads: [expected], rejected: [], ignored: 0 });
  });

  it('decodes the base64 epc when epcHex is not enabled', () => {
    const { epcHex: _hex, ...tag } = example.tagInventoryEvent;
    const r = parse('impinj-iot', { ...example, tagInventoryEvent: tag });
    expect(r.reads).toEqual([expected]);
  });

  it('accepts webhook arrays (including the empty keep-alive batch) and newline-delimited streams', () => {
    expect(parse('impinj-iot', [example, example]).reads).toHaveLength(2);
    expect(parse('impinj-iot', [])).toEqual({ reads: [], rejected: [], ignored: 0 });
    const ndjson = `${JSON.stringify(example)}\r\n${JSON.stringify(example)}\n`;
    expect(parse('impinj-iot', ndjson).reads).toHaveLength(2);
  });

  it('ignores status events and the MQTT connect/will messages', () => {
    const status = {
      timestamp: example['timestamp'],
      eventType: 'inventoryStatus',
      inventoryStatusEvent: { status: 'running' },
    };
    const antenna = {
      timestamp: example['timestamp'],
      eventType: 'antennaConnected',
      antennaConnectedEvent: { antennaPort: 2 },
    };
    expect(parse('impinj-iot', [status, antenna])).toEqual({ reads: [], rejected: [], ignored: 2 });
    expect(parse('impinj-iot', 'connected')).toEqual({ reads: [], rejected: [], ignored: 1 });
    expect(parse('impinj-iot', 'connection lost')).toEqual({ reads: [], rejected: [], ignored: 1 });
  });

  it('rejects malformed events with readable reasons', () => {
    const tag = example.tagInventoryEvent;
    const r = parse('impinj-iot', [
      { ...example, tagInventoryEvent: { ...tag, epcHex: 'XYZ' } },
      { ...example, tagInventoryEvent: { antennaPort: 1, epc: '!!!' } },
      { ...example, tagInventoryEvent: { antennaPort: 1 } },
      { ...example, tagInventoryEvent: { ...tag, antennaPort: -1 } },
      { ...example, tagInventoryEvent: 'tag' },
      { timestamp: example['timestamp'], eventType: 'tagInventory' },
      { timestamp: example['timestamp'], eventType: 'somethingNew', somethingNewEvent: {} },
      { foo: 1 },
    ]);
    expect(r.reads).toEqual([]);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'impinj-iot message event 0: epcHex is not an even-length hex string',
      'impinj-iot message event 1: epc is not base64',
      'impinj-iot message event 2: neither epcHex nor epc present',
      'impinj-iot message event 3: antennaPort is not a port number',
      'impinj-iot message event 4: tagInventoryEvent is not an object',
      'impinj-iot message event 5: tagInventoryEvent missing',
      'impinj-iot message event 6: unknown eventType somethingNew',
      'impinj-iot message event 7: no eventType',
    ]);
  });
});

describe('parseReaderPayload never throws', () => {
  for (const format of ['zebra-iot', 'impinj-iot'] as const) {
    it(`${format}: random bytes give reads/rejected/ignored, never an exception`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          const r = parseReaderPayload(format, 'r', bytes, { receivedAt });
          expect(Array.isArray(r.reads) && Array.isArray(r.rejected)).toBe(true);
          for (const x of r.rejected) expect(x.reason.length).toBeGreaterThan(0);
        }),
        { numRuns: 3000 },
      );
    });

    it(`${format}: every element of a random JSON array is exactly one of read, rejected or ignored`, () => {
      const hex = fc.stringMatching(/^[0-9a-fA-F]{0,26}$/);
      const tagLike = fc.record(
        {
          type: fc.constantFrom('SIMPLE', 'heartbeat'),
          eventType: fc.constantFrom('tagInventory', 'inventoryStatus', 'x'),
          data: fc.record(
            { idHex: fc.oneof(hex, fc.string()), antenna: fc.anything() },
            { requiredKeys: [] },
          ),
          tagInventoryEvent: fc.record(
            { epcHex: hex, epc: fc.base64String(), antennaPort: fc.integer() },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(
          fc.array(fc.oneof(fc.jsonValue(), tagLike), { minLength: 1, maxLength: 20 }),
          (events) => {
            const r = parseReaderPayload(format, 'r', Buffer.from(JSON.stringify(events)), { receivedAt });
            expect(r.reads.length + r.rejected.length + r.ignored).toBe(events.length);
            for (const read of r.reads) expect(read.epc).toMatch(/^([0-9A-F]{2})+$/);
          },
        ),
        { numRuns: 1000 },
      );
    });
  }
});
