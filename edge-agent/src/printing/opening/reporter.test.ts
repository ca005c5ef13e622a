import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTempDir } from '@store-edge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../db/database.js';
import { createLogger } from '../../observability/logger.js';
import { PrintJobStore } from '../store.js';
import { OpeningLabels } from './batch.js';
import { LabelReporter } from './reporter.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A cloud that answers 503 to the first `failures` reports, then 200; records every body and token. */
async function flakyCloud(failures: number) {
  const seen: Array<{ url: string; auth: string | undefined; body: unknown }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(body) });
      const ok = seen.length > failures;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { recorded: [], unknown: [] } : { title: 'busy' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function printedBatch(db: Db): OpeningLabels {
  db.prepare(
    `INSERT INTO opening_label_batches (opening_date, opening_at, prepared_at, skus, labels, job_ids, price_change_ids, printed_at)
     VALUES ('2026-12-06', '2026-12-06T07:00:00.000Z', '2026-12-05T19:00:00.000Z', 2, 2, '[]', '["pc-1","pc-2"]', '2026-12-05T19:05:00.000Z')`,
  ).run();
  const log = createLogger('silent', { pretty: false });
  return new OpeningLabels({
    db,
    clock: () => new Date('2026-12-05T19:06:00Z'),
    log,
    prices: { at: () => null, changesBetween: () => [] },
    catalog: { get: () => null },
    store: new PrintJobStore(db, () => new Date()),
    printers: () => [],
    settings: { prepareAt: '20:00', openingTime: '08:00', locale: 'en-IE', currency: 'EUR' },
    timeZone: 'Europe/Berlin',
    queued: () => {},
  });
}

describe('printed reports to the cloud', () => {
  it('are retried until the cloud acknowledges them, then sent no more, across a restart', async () => {
    const dir = makeTempDir('label-reports-');
    cleanups.push(() => dir.remove());
    const db = openDatabase(`${dir.path}/ledger.sqlite`);
    cleanups.push(() => {
      db.close();
    });
    const batches = printedBatch(db);
    const cloud = await flakyCloud(2);
    const reporter = new LabelReporter({
      batches,
      cloud: { url: cloud.url, token: 'store-token' },
      storeId: 'store-1',
      log: createLogger('silent', { pretty: false }),
      retryMaxMs: 200,
    });
    reporter.start();
    const deadline = Date.now() + 10_000;
    while (batches.unreported().length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await reporter.stop();

    expect(cloud.seen).toHaveLength(3);
    for (const s of cloud.seen) {
      expect(s).toEqual({
        url: '/v1/stores/store-1/label-reports',
        auth: 'Bearer store-token',
        body: { priceChangeIds: ['pc-1', 'pc-2'], printedAt: '2026-12-05T19:05:00.000Z' },
      });
    }
    expect(batches.status()).toMatchObject({
      openingDate: '2026-12-06',
      reportedAt: '2026-12-05T19:06:00.000Z',
    });
    const row = db.prepare('SELECT report_attempts AS n FROM opening_label_batches').get() as { n: number };
    expect(row.n).toBe(2);

    // A restarted reporter finds nothing to send.
    const again = new LabelReporter({
      batches,
      cloud: { url: cloud.url, token: 'store-token' },
      storeId: 'store-1',
      log: createLogger('silent', { pretty: false }),
    });
    again.start();
    await new Promise((r) => setTimeout(r, 200));
    await again.stop();
    expect(cloud.seen).toHaveLength(3);
  });
});
