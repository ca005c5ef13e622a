import { loadFixture } from '@store-edge/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withCheckDigit } from '../check-digit.js';
import { BitWriter } from './bits.js';
import { decodeEpc } from './decode.js';
import { encodeSgtin96 } from './encode.js';

interface SgtinVector {
  hex: string;
  filter: number;
  partition: number;
  companyPrefix: string;
  itemReference: string;
  serial: string;
  gtin14: string;
  uri: string;
  tagUri: string;
  gs1ElementString?: string;
}
interface SgtinFixture {
  vectors: SgtinVector[];
  negativeVectors: { hex?: string; uri?: string; expected: string }[];
}
interface SchemeVector {
  hex: string;
  filter: number;
  uri: string;
  tagUri: string;
  sscc18?: string;
  gs1ElementString?: string;
}
interface SsccGiaiFixture {
  sscc96: SchemeVector[];
  giai96: SchemeVector[];
  headerValues: { values: Record<string, string> };
}

const sgtinFixture = loadFixture('sgtin96-vectors.json') as SgtinFixture;
const ssccGiaiFixture = loadFixture('epc-sscc-giai-vectors.json') as SsccGiaiFixture;

describe('SGTIN-96 fixture vectors (sgtin96-vectors.json)', () => {
  for (const v of sgtinFixture.vectors) {
    it(`decodes ${v.hex} to ${v.tagUri}`, () => {
      const d = decodeEpc(v.hex);
      expect(d).toMatchObject({
        scheme: 'sgtin-96',
        hex: v.hex,
        filter: v.filter,
        partition: v.partition,
        companyPrefix: v.companyPrefix,
        itemReference: v.itemReference,
        serial: v.serial,
        gtin14: v.gtin14,
        uri: v.uri,
        tagUri: v.tagUri,
      });
      if (v.gs1ElementString) expect(d).toMatchObject({ gs1ElementString: v.gs1ElementString });
    });

    it(`encodes ${v.gtin14} serial ${v.serial} back to ${v.hex}`, () => {
      const hex = encodeSgtin96({
        gtin14: v.gtin14,
        serial: v.serial,
        filter: v.filter,
        companyPrefixLength: v.companyPrefix.length,
      });
      expect(hex).toBe(v.hex);
    });
  }

  it('accepts lowercase hex and reports it uppercase', () => {
    const v = sgtinFixture.vectors[0]!;
    expect(decodeEpc(v.hex.toLowerCase())).toMatchObject({ scheme: 'sgtin-96', hex: v.hex, uri: v.uri });
  });

  it('accepts a 128-bit EPC bank whose bits after the 96th are zero', () => {
    const v = sgtinFixture.vectors[0]!;
    expect(decodeEpc(`${v.hex}00000000`)).toMatchObject({ scheme: 'sgtin-96', uri: v.uri });
    expect(decodeEpc(`${v.hex}00000001`)).toMatchObject({ scheme: 'invalid' });
  });
});

describe('SGTIN negative vectors', () => {
  const [badPartition, notGs1, nonHex, leadingZeroSerial] = sgtinFixture.negativeVectors;

  it('rejects partition 7 with a reason', () => {
    const d = decodeEpc(badPartition!.hex!);
    expect(d.scheme).toBe('invalid');
    expect(d).toMatchObject({ reason: expect.stringMatching(/partition value 7/) });
  });

  it('keeps a non-GS1 header as unknown with the raw hex', () => {
    expect(decodeEpc(notGs1!.hex!)).toEqual({ scheme: 'unknown', hex: notGs1!.hex, header: 'F4' });
  });

  it('rejects a non-hex character with its position', () => {
    const d = decodeEpc(nonHex!.hex!);
    expect(d).toEqual({ scheme: 'invalid', hex: nonHex!.hex, reason: 'non-hex character at position 19' });
  });

  it('refuses to encode a serial with a leading zero as SGTIN-96', () => {
    // urn:epc:id:sgtin:0614141.812345.001 → GTIN 80614141123458, serial "001".
    expect(leadingZeroSerial!.uri).toBe('urn:epc:id:sgtin:0614141.812345.001');
    expect(() => encodeSgtin96({ gtin14: '80614141123458', serial: '001', filter: 1 })).toThrow(/SGTIN-198/);
  });

  it('gives reasons for odd length, empty input and short input', () => {
    expect(decodeEpc('3074257')).toMatchObject({ scheme: 'invalid', reason: 'odd number of hex digits (7)' });
    expect(decodeEpc('')).toMatchObject({ scheme: 'invalid', reason: 'empty EPC' });
    expect(decodeEpc('3074257BF7194E40')).toMatchObject({
      scheme: 'invalid',
      reason: 'SGTIN-96 needs 96 bits, got 64',
    });
  });

  it('rejects a company prefix that does not fit its partition digits', () => {
    // Partition 6 (6 digits in 20 bits): 2^20 − 1 = 1048575 has seven digits.
    const hex = new BitWriter()
      .write(0x30, 8)
      .write(1, 3)
      .write(6, 3)
      .write(0xfffff, 20)
      .write(0, 62)
      .toHex();
    expect(decodeEpc(hex)).toMatchObject({
      scheme: 'invalid',
      reason: expect.stringMatching(/more than 6 digits/),
    });
  });
});

describe('SGTIN-198 (TDS Table 14-4)', () => {
  // TDS 2.3 Appendix E.3 example: GTIN 09506000134352, serial "32a/b", filter 3, 11-digit prefix.
  const hex = '3666C4409047E159B2C2BF100000000000000000000000000000';

  it('decodes the TDS example with the URI-escaped serial', () => {
    expect(decodeEpc(hex)).toMatchObject({
      scheme: 'sgtin-198',
      filter: 3,
      partition: 1,
      companyPrefix: '95060001343',
      itemReference: '05',
      gtin14: '09506000134352',
      serial: '32a/b',
      uri: 'urn:epc:id:sgtin:95060001343.05.32a%2Fb',
      tagUri: 'urn:epc:tag:sgtin-198:3.95060001343.05.32a%2Fb',
      gs1ElementString: '(01)09506000134352(21)32a/b',
    });
  });

  it('rejects a serial character outside GS1 character set 82', () => {
    // Replace the first serial character ('3') by 0x7F (DEL).
    const w = new BitWriter().write(0x36, 8).write(3, 3).write(1, 3).write(95060001343n, 37).write(5, 7);
    w.write(0x7f, 7);
    expect(decodeEpc(w.toHex(208))).toMatchObject({
      scheme: 'invalid',
      reason: expect.stringMatching(/set 82/),
    });
  });

  it('rejects a truncated SGTIN-198', () => {
    expect(decodeEpc(hex.slice(0, 40))).toMatchObject({
      scheme: 'invalid',
      reason: expect.stringMatching(/needs 198 bits/),
    });
  });
});

describe('SSCC-96 and GIAI-96 fixture vectors (epc-sscc-giai-vectors.json)', () => {
  for (const v of ssccGiaiFixture.sscc96) {
    it(`decodes SSCC ${v.hex} to ${v.tagUri}`, () => {
      const d = decodeEpc(v.hex);
      expect(d).toMatchObject({ scheme: 'sscc-96', filter: v.filter, uri: v.uri, tagUri: v.tagUri });
      if (v.sscc18) expect(d).toMatchObject({ sscc18: v.sscc18 });
      if (v.gs1ElementString) expect(d).toMatchObject({ gs1ElementString: v.gs1ElementString });
    });
  }
  for (const v of ssccGiaiFixture.giai96) {
    it(`decodes GIAI ${v.hex} to ${v.tagUri}`, () => {
      const d = decodeEpc(v.hex);
      expect(d).toMatchObject({ scheme: 'giai-96', filter: v.filter, uri: v.uri, tagUri: v.tagUri });
      if (v.gs1ElementString) expect(d).toMatchObject({ gs1ElementString: v.gs1ElementString });
    });
  }

  it('decodes the TDS 2.3 E.3 SSCC-96 example with a 6-digit prefix', () => {
    expect(decodeEpc('311BA1B300CE0A6A83000000')).toMatchObject({
      scheme: 'sscc-96',
      uri: 'urn:epc:id:sscc:952012.03456789123',
      tagUri: 'urn:epc:tag:sscc-96:0.952012.03456789123',
      sscc18: '095201234567891235',
    });
  });

  it('decodes a 62-bit GIAI asset reference beyond 2^53 exactly (partition 6)', () => {
    const ref = 2n ** 62n - 1n; // 4611686018427387903, 19 digits
    const hex = new BitWriter()
      .write(0x34, 8)
      .write(0, 3)
      .write(6, 3)
      .write(614141, 20)
      .write(ref, 62)
      .toHex();
    expect(decodeEpc(hex)).toMatchObject({
      scheme: 'giai-96',
      uri: `urn:epc:id:giai:614141.${ref}`,
      assetReference: ref.toString(),
    });
  });

  it('names known but undecoded headers from TDS Table 14-1', () => {
    for (const [header, name] of Object.entries(ssccGiaiFixture.headerValues.values)) {
      const d = decodeEpc(`${header}${'0'.repeat(22)}`);
      if (['30', '31', '32', '33', '34', '36'].includes(header)) continue;
      expect(d).toEqual({ scheme: 'unknown', hex: `${header}${'0'.repeat(22)}`, header, headerName: name });
    }
  });
});

describe('SGLN-96 and GRAI-96', () => {
  it('decodes the TDS 2.3 E.3 SGLN-96 example', () => {
    expect(decodeEpc('3276451FD46072000000162E')).toMatchObject({
      scheme: 'sgln-96',
      gln: '9521141123454',
      extension: '5678',
      uri: 'urn:epc:id:sgln:9521141.12345.5678',
      tagUri: 'urn:epc:tag:sgln-96:3.9521141.12345.5678',
    });
  });

  it('decodes nedap/retail-epcpy SGLN-96 vectors, including a 12-digit prefix with no location reference', () => {
    // nedap/retail-epcpy tests/epc_schemes/test_sgln.py, test_valid_sgln_tag_encodable_1 and _7
    expect(decodeEpc('3234257BF460720000000190')).toMatchObject({
      tagUri: 'urn:epc:tag:sgln-96:1.0614141.12345.400',
      gln: '0614141123452',
      gs1ElementString: '(414)0614141123452(254)400',
    });
    expect(decodeEpc('320039318D8401FFFFFFFFFF')).toMatchObject({
      uri: 'urn:epc:id:sgln:061411123456..2199023255551',
      tagUri: 'urn:epc:tag:sgln-96:0.061411123456..2199023255551',
      gln: '0614111234560',
    });
  });

  it('decodes the TDS 2.3 E.3 GRAI-96 example', () => {
    expect(decodeEpc('3376451FD40C0E400000162E')).toMatchObject({
      scheme: 'grai-96',
      assetType: '12345',
      serial: '5678',
      grai14: '09521141123454',
      uri: 'urn:epc:id:grai:9521141.12345.5678',
      tagUri: 'urn:epc:tag:grai-96:3.9521141.12345.5678',
      gs1ElementString: '(8003)095211411234545678',
    });
  });

  it('decodes nedap/retail-epcpy GRAI-96 vectors (test_grai.py)', () => {
    expect(decodeEpc('33B4257BF40C0E4000000190')).toMatchObject({
      tagUri: 'urn:epc:tag:grai-96:5.0614141.12345.400',
    });
    expect(decodeEpc('3300393243FF743FFFFFFFFF')).toMatchObject({
      uri: 'urn:epc:id:grai:061414113245..274877906943',
    });
  });

  it('rejects partition 7 for every partitioned scheme', () => {
    for (const header of [0x31, 0x32, 0x33, 0x34]) {
      const hex = new BitWriter().write(header, 8).write(0, 3).write(7, 3).write(0, 82).toHex();
      expect(decodeEpc(hex)).toMatchObject({
        scheme: 'invalid',
        reason: expect.stringMatching(/partition value 7/),
      });
    }
  });
});

describe('encodeSgtin96', () => {
  it('rejects a GTIN-14 with a wrong check digit', () => {
    expect(() => encodeSgtin96({ gtin14: '80614141123459', serial: 1, filter: 1 })).toThrow(/check digit/);
  });

  it('rejects a serial of 2^38 or more', () => {
    expect(() => encodeSgtin96({ gtin14: '80614141123458', serial: 2 ** 38, filter: 1 })).toThrow(/2\^38/);
    // A label's serial is a string: the same limit, and the reason names the scheme that fits.
    expect(() => encodeSgtin96({ gtin14: '80614141123458', serial: '274877906944', filter: 1 })).toThrow(
      /SGTIN-198/,
    );
  });

  it('refuses a company prefix length outside 6–12 and a filter outside 0–7', () => {
    const gtin14 = '80614141123458';
    expect(() => encodeSgtin96({ gtin14, serial: '1', filter: 1, companyPrefixLength: 5 })).toThrow(/6–12/);
    expect(() => encodeSgtin96({ gtin14, serial: '1', filter: 1, companyPrefixLength: 13 })).toThrow(/6–12/);
    expect(() => encodeSgtin96({ gtin14, serial: '1', filter: 8 })).toThrow(/0–7/);
  });
});

describe('property tests', () => {
  it('never throws on arbitrary strings and hex; non-hex input is invalid with a reason', () => {
    const schemes = [
      'sgtin-96',
      'sgtin-198',
      'sscc-96',
      'sgln-96',
      'grai-96',
      'giai-96',
      'unknown',
      'invalid',
    ];
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9A-Fa-f]{0,64}$/)), (s) => {
        const d = decodeEpc(s);
        expect(schemes).toContain(d.scheme);
        if (!/^[0-9A-Fa-f]*$/.test(s))
          expect(d).toMatchObject({ scheme: 'invalid', reason: expect.stringMatching(/non-hex/) });
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on random hex starting with a decoded header', () => {
    const header = fc.constantFrom('30', '31', '32', '33', '34', '36');
    const body = fc.stringMatching(/^[0-9A-F]{22}([0-9A-F]{28})?$/);
    fc.assert(
      fc.property(header, body, (h, b) => {
        const d = decodeEpc(h + b);
        expect(typeof d.scheme).toBe('string');
        if (d.scheme !== 'invalid' && d.scheme !== 'unknown')
          expect(d.uri.startsWith('urn:epc:id:')).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips encode → decode for random GTINs, serials, filters and partitions', () => {
    const gtinBody = fc.stringMatching(/^[0-9]{13}$/);
    fc.assert(
      fc.property(
        gtinBody,
        fc.integer({ min: 0, max: 2 ** 38 - 1 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 6, max: 12 }),
        (body, serial, filter, cpLength) => {
          const gtin14 = withCheckDigit(body);
          const hex = encodeSgtin96({ gtin14, serial, filter, companyPrefixLength: cpLength });
          const d = decodeEpc(hex);
          expect(d).toMatchObject({
            scheme: 'sgtin-96',
            gtin14,
            serial: String(serial),
            filter,
            partition: 12 - cpLength,
            companyPrefix: gtin14.slice(1, 1 + cpLength),
          });
        },
      ),
      { numRuns: 2000 },
    );
  });
});
