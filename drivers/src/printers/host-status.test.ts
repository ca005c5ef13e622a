import { loadFixture } from '@store-edge/testing';
import { describe, expect, it } from 'vitest';
import { formatHostStatus, hostStatusProblems, parseHostStatus } from './host-status.js';

interface Vector {
  raw: string;
  expected: Record<string, unknown> | string;
}
const fixture = loadFixture('zpl-host-status-and-labels.json') as { hostStatusVectors: Vector[] };
const [healthy, truncated] = fixture.hostStatusVectors;

describe('~HS host status', () => {
  it('parses the healthy vector with the guide layout (11 fields in string 2)', () => {
    if (!healthy || typeof healthy.expected === 'string') throw new Error('fixture changed');
    const status = parseHostStatus(healthy.raw);
    expect(status).toMatchObject(healthy.expected);
    expect(hostStatusProblems(status)).toEqual([]);
  });

  it('refuses a reply with only two of three frames', () => {
    if (!truncated) throw new Error('fixture changed');
    expect(() => parseHostStatus(truncated.raw)).toThrow(/2 of 3 frames/);
  });

  it('names every fault a store associate has to fix', () => {
    const raw = formatHostStatus({
      paperOut: true,
      paused: true,
      headUp: true,
      ribbonOut: true,
      bufferFull: true,
      overTemperature: true,
      labelsRemaining: 42,
    });
    const status = parseHostStatus(raw);
    expect(status).toMatchObject({
      paperOut: true,
      paused: true,
      headUp: true,
      ribbonOut: true,
      labelsRemaining: 42,
    });
    expect(hostStatusProblems(status)).toEqual([
      'paper out',
      'ribbon out',
      'head open',
      'paused',
      'receive buffer full',
      'head over temperature',
    ]);
  });

  it('reads head and ribbon from their own fields (not shifted by the unused n)', () => {
    const ribbonOnly = parseHostStatus(formatHostStatus({ ribbonOut: true }));
    expect(ribbonOnly.ribbonOut).toBe(true);
    expect(ribbonOnly.headUp).toBe(false);
    expect(ribbonOnly.thermalTransfer).toBe(false);
  });

  it('rejects garbage in a numeric field', () => {
    const raw =
      '\x02030,X,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03';
    expect(() => parseHostStatus(raw)).toThrow(/paper out/);
  });
});
