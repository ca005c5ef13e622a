import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeZebra, startFakeZebra } from './fake-zebra.js';

/** Writes `data` on a fresh connection and collects what comes back until `wantEtx` ETX bytes or close. */
function exchange(port: number, data: string, wantEtx: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    let got = '';
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, timeoutMs);
    s.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      if (got.split('\x03').length - 1 >= wantEtx && wantEtx > 0) done();
    });
    s.on('close', done);
    s.write(data, () => {
      if (wantEtx === 0) s.end();
    });
  });
}

describe('fake Zebra printer', () => {
  let printer: FakeZebra | undefined;
  afterEach(async () => {
    await printer?.stop();
  });

  it('splits a stream into label formats with their ^PQ copies and answers ~HS in between', async () => {
    printer = await startFakeZebra();
    const reply = await exchange(printer.port, '^XA^FDone^FS^PQ3^XZ~HS^XA^FDtwo^FS^XZ', 3);
    expect(reply).toBe(
      '\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n',
    );
    const jobs = await printer.waitForJobs(2);
    expect(jobs.map((j) => [j.zpl, j.copies])).toEqual([
      ['^XA^FDone^FS^PQ3^XZ', 3],
      ['^XA^FDtwo^FS^XZ', 1],
    ]);
    expect(printer.statusQueries).toBe(1);
  });

  it('reports paper out, paused and head open in the guide fields, or stays silent', async () => {
    printer = await startFakeZebra({
      state: { paperOut: true, paused: true, headOpen: true, labelsRemaining: 7 },
    });
    const reply = await exchange(printer.port, '~HS', 3);
    const [s1, s2] = reply.split('\r\n');
    expect(s1).toBe('\x02030,1,1,1245,000,0,0,0,000,0,0,0\x03');
    expect(s2).toBe('\x02000,0,1,0,0,2,4,0,00000007,1,000\x03');
    printer.set({ silentWhenFaulted: true });
    expect(await exchange(printer.port, '~HS', 3, 300)).toBe('');
  });

  it('delays its reply when told to', async () => {
    printer = await startFakeZebra({ state: { replyDelayMs: 500 } });
    expect(await exchange(printer.port, '~HS', 3, 100)).toBe('');
    expect(await exchange(printer.port, '~HS', 3, 3000)).toContain('\x021234,0\x03');
  });

  it('refuses connections while down and accepts them on the same port when up again', async () => {
    printer = await startFakeZebra();
    const port = printer.port;
    await printer.down();
    await expect(exchange(port, '^XA^XZ', 0)).rejects.toThrow(/ECONNREFUSED/);
    await printer.up();
    await exchange(port, '^XA^FDback^FS^XZ', 0);
    expect((await printer.waitForJobs(1))[0]?.zpl).toBe('^XA^FDback^FS^XZ');
  });

  it('holds a job unread while told to, and takes it once released', async () => {
    printer = await startFakeZebra({ state: { hold: true } });
    const fake = printer;
    let closed = false;
    const sent = exchange(fake.port, '^XA^FDheld^FS^XZ', 0, 10_000).then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.jobs).toEqual([]);
    expect(closed).toBe(false);
    fake.set({ hold: false });
    await sent;
    expect(fake.jobs.map((j) => j.zpl)).toEqual(['^XA^FDheld^FS^XZ']);
  });
});
