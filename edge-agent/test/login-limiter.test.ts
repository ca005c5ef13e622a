import { describe, expect, it } from 'vitest';
import { addressKey, LoginLimiter } from '../src/auth/login-limiter.js';
import { FrameGuard } from '../src/mqtt/frame-guard.js';

const wrong = async () => null;
const right = async () => 'ok';

describe('login limiter', () => {
  it('locks a user out after 5 failures from any address, without checking the password', async () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter({ clock: () => now });
    for (let i = 0; i < 5; i++)
      expect((await limiter.attempt({ username: 'ann', address: `10.0.0.${i}` }, wrong)).kind).toBe('wrong');
    let checked = false;
    const locked = await limiter.attempt({ username: 'ann', address: '10.0.0.99' }, async () => {
      checked = true;
      return 'ok';
    });
    expect(locked).toEqual({ kind: 'locked', retryAfter: 60 });
    expect(checked).toBe(false);
    // Another user from a fresh address is not affected.
    expect((await limiter.attempt({ username: 'bob', address: '10.0.1.1' }, right)).kind).toBe('ok');
    now += 60_000;
    expect((await limiter.attempt({ username: 'ann', address: '10.0.0.99' }, right)).kind).toBe('ok');
  });

  it('counts checks in flight, so a burst of parallel attempts cannot pass the limit', async () => {
    const limiter = new LoginLimiter();
    let checks = 0;
    const slow = () =>
      new Promise<null>((r) => {
        checks++;
        setTimeout(() => r(null), 20);
      });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        limiter.attempt({ username: 'ann', address: `10.0.${i}.1` }, slow),
      ),
    );
    expect(checks).toBe(5);
    expect(outcomes.filter((o) => o.kind === 'locked')).toHaveLength(45);
  });

  it('lets a burst of good logins from one address through, a few at a time, instead of refusing it', async () => {
    const limiter = new LoginLimiter();
    let running = 0;
    let most = 0;
    const good = () =>
      new Promise<string>((r) => {
        running++;
        most = Math.max(most, running);
        setTimeout(() => {
          running--;
          r('ok');
        }, 5);
      });
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        limiter.attempt({ username: `reader-${i}`, address: '10.0.0.1' }, good),
      ),
    );
    expect(outcomes.every((o) => o.kind === 'ok')).toBe(true);
    expect(most).toBeLessThanOrEqual(4);
  });

  it('stays bounded under a flood of throwaway names, and the flood does not lift a lockout', async () => {
    let now = 0;
    const limiter = new LoginLimiter({ maxEntries: 100, clock: () => now });
    for (let i = 0; i < 5; i++) await limiter.attempt({ username: 'victim', address: '10.9.9.9' }, wrong);
    for (let i = 0; i < 5000; i++) {
      now += 1;
      await limiter.attempt({ username: `junk-${i}`, address: `10.1.${i >> 8}.${i & 255}` }, wrong);
    }
    expect(limiter.size).toBeLessThanOrEqual(100);
    expect((await limiter.attempt({ username: 'victim', address: '10.2.2.2' }, right)).kind).toBe('locked');
  });

  it('keys IPv4-mapped addresses as IPv4 and an IPv6 /64 as one client', () => {
    expect(addressKey('::ffff:192.0.2.7')).toBe('ip:192.0.2.7');
    expect(addressKey('2001:db8:1:2::1')).toBe(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
  });
});

describe('MQTT frame guard', () => {
  const limits = { connectMaxBytes: 16 * 1024, maxPacketBytes: 64 * 1024 };

  it('refuses a CONNECT declaring 256 MB from its fixed header alone', () => {
    const g = new FrameGuard(limits);
    // 0x10 CONNECT, remaining length 268435455 (0xff 0xff 0xff 0x7f, MQTT 3.1.1 §2.2.3).
    expect(g.feed(Buffer.from([0x10, 0xff, 0xff]))).toBeNull();
    expect(g.feed(Buffer.from([0xff, 0x7f]))?.reason).toBe('packet_too_large');
  });

  it('follows packets split anywhere, and applies the packet limit after the CONNECT', () => {
    const g = new FrameGuard(limits);
    const connect = Buffer.concat([Buffer.from([0x10, 0x0c]), Buffer.alloc(12)]);
    // A 20 000-byte PUBLISH: over the CONNECT limit, under the packet limit.
    const publish = Buffer.concat([Buffer.from([0x30, 0xa0, 0x9c, 0x01]), Buffer.alloc(20_000)]);
    const stream = Buffer.concat([connect, publish, Buffer.from([0xc0, 0x00])]);
    for (let i = 0; i < stream.length; i += 7) expect(g.feed(stream.subarray(i, i + 7))).toBeNull();
    expect(g.feed(Buffer.from([0x30, 0x81, 0x80, 0x04]))?.reason).toBe('packet_too_large');
  });

  it('refuses a first packet that is not a CONNECT, and a 5-byte remaining length', () => {
    expect(new FrameGuard(limits).feed(Buffer.from([0x30, 0x00]))?.reason).toBe('not_connect');
    const g = new FrameGuard({ connectMaxBytes: 1e9, maxPacketBytes: 1e9 });
    expect(g.feed(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x01]))?.reason).toBe('malformed');
  });
});
