import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FakeZebra, startFakeZebra, type TempDir } from '@store-edge/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChangeFeed } from '../src/replication/feed.js';
import { ITEM, type Json, startTestAgent, type TestAgent } from './helpers.js';
import { decodePdfBarcodes, holdNextJob, printerConfig, until } from './print-helpers.js';

/**
 * The print queue against a fake Zebra printer on real TCP (raw port 9100 semantics, `~HS`
 * status): idempotent jobs, waiting while the printer is off or out of paper, previews,
 * test prints and shelf labels on price changes.
 */
let fake: FakeZebra;
let cfg: { dir: TempDir; file: string };
let t: TestAgent;

async function job(id: string): Promise<Json> {
  return (await t.api(`/api/v1/print-jobs/${id}`)).body;
}

async function settled(id: string, status = 'done'): Promise<Json> {
  return until(`job ${id} ${status}`, async () => {
    const j = await job(id);
    return j.status === status ? j : undefined;
  });
}

async function putItem(sku: string, amount: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await t.api(`/api/v1/items/${sku}`, {
    method: 'PUT',
    body: { ...ITEM, packs: [], price: { amount, currency: 'EUR' }, ...extra },
  });
  expect(r.status).toBe(200);
}

describe('print queue', () => {
  beforeAll(async () => {
    fake = await startFakeZebra();
    cfg = printerConfig(fake);
    t = await startTestAgent({ env: { STORE_EDGE_CONFIG: cfg.file } });
    await putItem('SKU-1', '0.89');
    await putItem('SKU-2', '1.49', { name: 'Still water 1 l', gtins: ['4000417025005'] });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.stop();
    cfg?.dir.remove();
  });
  beforeEach(() => {
    fake.set({ paperOut: false, paused: false, headOpen: false, hold: false });
  });
  afterEach(async () => {
    await fake.up().catch(() => {});
  });

  it('prints a job posted twice with the same id once', async () => {
    const before = fake.jobs.length;
    const body = {
      id: 'job-twice',
      printerId: 'p1',
      template: 'shelf',
      items: [{ sku: 'SKU-1', copies: 2 }],
    };
    const first = await t.api('/api/v1/print-jobs', { body });
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('queued');
    const again = await t.api('/api/v1/print-jobs', { body });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe('job-twice');
    const done = await settled('job-twice');
    expect(done.labels).toBe(2);

    // Posting once more after it printed still prints nothing; another id is the barrier.
    expect((await t.api('/api/v1/print-jobs', { body })).status).toBe(200);
    const next = await t.api('/api/v1/print-jobs', {
      body: { id: 'job-barrier', printerId: 'p1', template: 'shelf', items: [{ sku: 'SKU-2', copies: 1 }] },
    });
    expect(next.status).toBe(202);
    await settled('job-barrier');
    const printed = fake.jobs.slice(before);
    expect(printed).toHaveLength(2);
    expect(printed[0]?.copies).toBe(2);
    expect(printed[0]?.zpl).toContain('Sparkling water');
    expect(printed[1]?.zpl).toContain('Still water');
  });

  it('refuses the same id with other content (409)', async () => {
    const r = await t.api('/api/v1/print-jobs', {
      body: { id: 'job-twice', printerId: 'p1', template: 'shelf', items: [{ sku: 'SKU-2', copies: 1 }] },
    });
    expect(r.status).toBe(409);
    expect(r.body.job.id).toBe('job-twice');
  });

  it('refuses what it cannot print with 422 and a path per problem', async () => {
    const r = await t.api('/api/v1/print-jobs', {
      body: {
        printerId: 'p1',
        template: 'shelf',
        items: [
          { sku: 'SKU-1', copies: 1 },
          { sku: 'NOPE', copies: 1 },
        ],
      },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ path: '/items/1/sku', message: "no item with sku 'NOPE'" }]);
    const printer = await t.api('/api/v1/print-jobs', {
      body: { printerId: 'nope', template: 'shelf', items: [{ sku: 'SKU-1' }] },
    });
    expect(printer.status).toBe(422);
    expect(printer.body.errors[0].path).toBe('/printerId');
    const sscc = await t.api('/api/v1/print-jobs', {
      body: { printerId: 'p1', template: 'sscc', items: [{ sku: 'SKU-1' }] },
    });
    expect(sscc.status).toBe(422);
    expect(sscc.body.errors[0].path).toBe('/template');
  });

  it('lets associates print and devices not', async () => {
    const r = await t.api('/api/v1/print-jobs', {
      role: 'associate',
      body: { printerId: 'p1', template: 'item', items: [{ sku: 'SKU-1' }] },
    });
    expect(r.status).toBe(202);
    await settled(r.body.id);
    const d = await t.api('/api/v1/print-jobs', {
      role: 'device',
      body: { printerId: 'p1', template: 'item', items: [{ sku: 'SKU-1' }] },
    });
    expect(d.status).toBe(403);
  });

  it('keeps a job queued while the printer refuses connections and prints it once when back', async () => {
    await fake.down();
    const before = fake.jobs.length;
    const r = await t.api('/api/v1/print-jobs', {
      body: { id: 'job-down', printerId: 'p1', template: 'shelf', items: [{ sku: 'SKU-1' }] },
    });
    expect(r.status).toBe(202);
    const device = await until('printer offline', async () => {
      const d = (await t.api('/api/v1/devices/p1')).body;
      return d.status === 'offline' && d.lastError ? d : undefined;
    });
    expect(device.lastError).toMatch(/unreachable/);
    const waiting = await until('a few retries', async () => {
      const j = await job('job-down');
      return j.error?.includes('not ready') ? j : undefined;
    });
    expect(waiting.status).toBe('queued');
    await fake.up();
    const done = await settled('job-down');
    expect(done.printedAt).toBeTruthy();
    expect(fake.jobs.length - before).toBe(1);
    expect((await t.api('/api/v1/devices/p1')).body.status).toBe('online');
  });

  it('keeps a job queued while the printer is out of paper, showing the problem on the device', async () => {
    fake.set({ paperOut: true, headOpen: true });
    const before = fake.jobs.length;
    await t.api('/api/v1/print-jobs', {
      body: { id: 'job-paper', printerId: 'p1', template: 'shelf', items: [{ sku: 'SKU-2' }] },
    });
    const device = await until('printer error', async () => {
      const d = (await t.api('/api/v1/devices/p1')).body;
      return d.status === 'error' ? d : undefined;
    });
    expect(device.details.problems).toEqual(['paper out', 'head open']);
    const queries = fake.statusQueries;
    await until('retries with backoff', () => (fake.statusQueries >= queries + 2 ? true : undefined));
    const j = await job('job-paper');
    expect(j.status).toBe('queued');
    expect(j.error).toBe('printer not ready: paper out, head open');
    expect(fake.jobs.length).toBe(before);

    fake.set({ paperOut: false, headOpen: false });
    await settled('job-paper');
    expect(fake.jobs.length - before).toBe(1);
    expect((await t.api('/api/v1/devices/p1')).body.details.problems).toEqual([]);
  });

  it('marks a job uncertain when the printer does not take it in time, and never resends it', async () => {
    // A second printer entry for the same fake, with a short send timeout.
    const put = await t.api('/api/v1/devices/slow', {
      method: 'PUT',
      body: { id: 'slow', kind: 'zpl-printer', address: fake.address, sendTimeoutMs: 300 },
    });
    expect(put.status).toBe(200);
    await until('slow online', async () =>
      (await t.api('/api/v1/devices/slow')).body.status === 'online' ? true : undefined,
    );
    fake.set({ replyDelayMs: 300 });
    const before = fake.jobs.length;
    const held = holdNextJob(fake);
    await t.api('/api/v1/print-jobs', {
      body: { id: 'job-cut', printerId: 'slow', template: 'shelf', items: [{ sku: 'SKU-1' }] },
    });
    await held;
    fake.set({ replyDelayMs: 0 });
    const cut = await settled('job-cut', 'uncertain');
    expect(cut.error).toMatch(/may have printed/);
    expect((await t.api('/api/v1/devices/slow')).body.lastError).toMatch(/may have printed/);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^store_edge_print_jobs\{status="uncertain"\} 1$/m);

    // The printer takes what it held (one label); the job is not sent again.
    fake.set({ hold: false });
    await fake.waitForJobs(before + 1);
    const next = await t.api('/api/v1/print-jobs', {
      body: { id: 'job-after-cut', printerId: 'slow', template: 'shelf', items: [{ sku: 'SKU-2' }] },
    });
    await settled(next.body.id);
    expect(fake.jobs.slice(before).map((j) => (j.zpl.includes('Sparkling') ? 'cut' : 'after'))).toEqual([
      'cut',
      'after',
    ]);
    expect((await job('job-cut')).status).toBe('uncertain');
    const confirmed = await t.api('/api/v1/print-jobs/job-cut/confirm', { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('done');
    expect((await t.api('/api/v1/devices/slow', { method: 'DELETE' })).status).toBe(204);
  });

  it('lists jobs by status, newest first', async () => {
    const r = await t.api('/api/v1/print-jobs?status=done&limit=2');
    expect(r.status).toBe(200);
    expect(r.body.jobs).toHaveLength(2);
    expect(r.body.jobs.every((j: Json) => j.status === 'done')).toBe(true);
    expect(r.body.jobs[0].id).toBe('job-after-cut');
  });

  it('test-prints the sample shelf label on a printer', async () => {
    const before = fake.jobs.length;
    const r = await t.api('/api/v1/devices/p1/test-print', { method: 'POST', role: 'associate' });
    expect(r.status).toBe(202);
    expect(r.body.source).toBe('test-print');
    await settled(r.body.id);
    expect(fake.jobs.length - before).toBe(1);
    expect(fake.jobs.at(-1)?.zpl).toContain('APL-GALA-1KG');
    expect((await t.api('/api/v1/devices/nope/test-print', { method: 'POST' })).status).toBe(404);
  });

  it('checks zpl-printer devices: a bad address is refused', async () => {
    const bad = await t.api('/api/v1/devices/p2', {
      method: 'PUT',
      body: { id: 'p2', kind: 'zpl-printer', address: 'lpt1', dpmm: 9 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: Json) => e.path)).toEqual(['/address', '/dpmm']);
    const good = await t.api('/api/v1/devices/p2', {
      method: 'PUT',
      body: {
        id: 'p2',
        kind: 'zpl-printer',
        address: 'tcp://127.0.0.1:1',
        dpmm: 12,
        widthMm: 50,
        heightMm: 30,
      },
    });
    expect(good.status).toBe(200);
    expect((await t.api('/api/v1/devices/p2', { method: 'DELETE' })).status).toBe(204);
  });

  it('prints to a file printer without a back channel (statusCheck: false)', async () => {
    const out = join(cfg.dir.path, 'lp0');
    writeFileSync(out, '');
    const put = await t.api('/api/v1/devices/usb', {
      method: 'PUT',
      body: { id: 'usb', kind: 'zpl-printer', address: `file:${out}`, statusCheck: false },
    });
    expect(put.status).toBe(200);
    const r = await t.api('/api/v1/print-jobs', {
      body: { printerId: 'usb', template: 'shelf', items: [{ sku: 'SKU-2', copies: 3 }] },
    });
    expect(r.status).toBe(202);
    await settled(r.body.id);
    const zpl = readFileSync(out, 'utf8');
    expect(zpl.match(/\^XA/g)).toHaveLength(1);
    expect(zpl).toContain('^PQ3');
    expect((await t.api('/api/v1/devices/usb')).body.status).toBe('online');
    expect((await t.api('/api/v1/devices/usb', { method: 'DELETE' })).status).toBe(204);
  });

  it('previews labels as ZPL and as a PDF whose barcode decodes', async () => {
    const zpl = await t.api('/api/v1/labels/shelf.zpl?sku=SKU-1', { role: 'associate' });
    expect(zpl.status).toBe(200);
    expect(zpl.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(zpl.body).toMatch(/^\^XA/);
    expect(zpl.body).toContain('Sparkling water');

    const res = await fetch(`${t.baseUrl}/api/v1/labels/shelf.pdf?sku=SKU-1&printerId=p1`, {
      headers: { authorization: `Bearer ${await t.token('associate')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(await decodePdfBarcodes(pdf)).toContain('EAN-13:4006381333931');

    expect((await t.api('/api/v1/labels/shelf.zpl?sku=NOPE')).status).toBe(404);
    expect((await t.api('/api/v1/labels/poster.pdf?sku=SKU-1')).status).toBe(400);
    expect((await t.api('/api/v1/labels/shelf.png?sku=SKU-1')).status).toBe(400);
  });
});

describe('shelf labels on price changes', () => {
  beforeAll(async () => {
    fake = await startFakeZebra();
    cfg = printerConfig(fake, { onPriceChange: true, printerId: 'p1' });
    t = await startTestAgent({ env: { STORE_EDGE_CONFIG: cfg.file } });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.stop();
    cfg?.dir.remove();
  });

  it('queues one job with one label per item whose price changed', async () => {
    // New items and re-saves at the same price are not price changes.
    await putItem('A', '1.00', { name: 'Apples' });
    await putItem('B', '2.00', { name: 'Bananas', gtins: ['4000417025005'] });
    await putItem('C', '3.00', { name: 'Cherries', gtins: [] });
    await putItem('A', '1.10', { name: 'Apples' });
    await putItem('B', '2.20', { name: 'Bananas', gtins: ['4000417025005'] });
    await putItem('C', '3.00', { name: 'Cherries', gtins: [] });
    await putItem('A', '1.20', { name: 'Apples' });

    const jobs = await until('a price-change job', async () => {
      const r = (await t.api('/api/v1/print-jobs')).body.jobs as Json[];
      return r.length > 0 && r.every((j) => j.status === 'done') ? r : undefined;
    });
    expect(jobs).toHaveLength(1);
    expect(jobs[0].source).toBe('price-change');
    expect(jobs[0].items).toEqual([
      { sku: 'A', copies: 1 },
      { sku: 'B', copies: 1 },
    ]);
    expect(fake.jobs).toHaveLength(2);
    expect(fake.jobs[0]?.zpl).toContain('1.20');
    expect(fake.jobs[1]?.zpl).toContain('2.20');

    // A later change is a job of its own with only that item: nothing of the burst was left over.
    await putItem('B', '2.30', { name: 'Bananas', gtins: ['4000417025005'] });
    const later = await until('a second price-change job', async () => {
      const r = (await t.api('/api/v1/print-jobs')).body.jobs as Json[];
      return r.length > 1 && r.every((j) => j.status === 'done') ? r : undefined;
    });
    expect(later).toHaveLength(2);
    expect(later[0].items).toEqual([{ sku: 'B', copies: 1 }]);
    expect(fake.jobs).toHaveLength(3);
    expect(fake.jobs[2]?.zpl).toContain('2.30');
  });

  it('queues labels for price changes from the cloud feed', async () => {
    const { catalog, db } = t.agent.parts!;
    db.transaction(() => catalog.put({ sku: 'D', name: 'Dates', gtins: [] }, 'cloud', new Date()))();
    // The cloud change feed (no cloud here: a page of changes applied as the feed applies it).
    const feed = new ChangeFeed(t.agent.parts!, {} as never);
    await feed.apply([{ kind: 'price', data: { sku: 'D', price: { amount: '4.50', currency: 'EUR' } } }], 1);
    const jobs = await until('a job for the cloud change', async () => {
      const r = (await t.api('/api/v1/print-jobs')).body.jobs as Json[];
      return r.length > 2 && r.every((j) => j.status === 'done') ? r : undefined;
    });
    expect(jobs[0].items).toEqual([{ sku: 'D', copies: 1 }]);
    expect(fake.jobs.at(-1)?.zpl).toContain('Dates');
  });
});
