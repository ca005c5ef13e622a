import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '@store-edge/testing';
import { describe, expect, it } from 'vitest';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'store-edge.mjs');

/** Runs the real command (tsx start-up ~1 s, so the cases below run concurrently). */
function storeEdge(
  args: string[],
  input?: string,
): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(input ?? '');
  });
}

describe.concurrent('store-edge label render', () => {
  it('writes the sample label as ZPL or PDF to stdout', async () => {
    const zpl = await storeEdge(['label', 'render', '--template', 'sscc', '--format', 'zpl']);
    expect(zpl.status).toBe(0);
    expect(zpl.stdout.toString()).toMatch(/^\^XA\^CI28.*>;>800106141411234567897.*\^XZ\n$/s);
    const pdf = await storeEdge([
      'label',
      'render',
      '--template',
      'shelf',
      '--format',
      'pdf',
      '--dpmm',
      '12',
    ]);
    expect(pdf.status).toBe(0);
    expect(pdf.stdout.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('renders the data file it is given', async () => {
    const dir = makeTempDir();
    try {
      const file = join(dir.path, 'item.json');
      writeFileSync(file, JSON.stringify({ gtin: '5901234123457', price: '3.10' }));
      const r = await storeEdge([
        'label',
        'render',
        '--template',
        'item',
        '--format',
        'zpl',
        '--data',
        file,
        '--copies',
        '5',
      ]);
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toContain('^BEN,');
      expect(r.stdout.toString()).toContain('^FD590123412345^FS');
      expect(r.stdout.toString()).toContain('^PQ5^XZ');
    } finally {
      dir.remove();
    }
  });

  it('explains bad data on stderr and exits non-zero with nothing on stdout', async () => {
    const r = await storeEdge(
      ['label', 'render', '--template', 'item', '--format', 'zpl', '--data', '-'],
      '{"gtin":"5901234123458","price":"3.10"}',
    );
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toContain('- /data/gtin: invalid GTIN 5901234123458: check digit should be 7');
  });

  it('explains bad arguments with the usage and exit status 2', async () => {
    const r = await storeEdge(['label', 'render', '--template', 'poster', '--format', 'zpl']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      "unknown template 'poster' (one of: shelf, promo-shelf, item, gs1-datamatrix, sscc, rfid)",
    );
  });
});
