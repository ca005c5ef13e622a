import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type FakeZebra, makeTempDir, type TempDir } from '@store-edge/testing';

const run = promisify(execFile);

/** A config file with one printer at the fake's address and quick retries for tests. */
export function printerConfig(
  fake: FakeZebra,
  labels: Record<string, unknown> = {},
): { dir: TempDir; file: string } {
  const dir = makeTempDir('store-edge-print-cfg-');
  const file = join(dir.path, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      devices: [{ id: 'p1', kind: 'zpl-printer', address: fake.address, dpmm: 8, widthMm: 76, heightMm: 51 }],
      labels: { retryMaxMs: 200, debounceMs: 300, ...labels },
    }),
  );
  return { dir, file };
}

/** Polls `probe` until it returns a value (not undefined); fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Decodes every linear barcode in a PDF with poppler's pdftoppm and zbar's zbarimg. */
export async function decodePdfBarcodes(pdf: Buffer): Promise<string[]> {
  const dir = makeTempDir('store-edge-print-pdf-');
  try {
    const pdfPath = join(dir.path, 'label.pdf');
    writeFileSync(pdfPath, pdf);
    await run('pdftoppm', ['-r', '300', '-gray', '-png', '-singlefile', pdfPath, join(dir.path, 'page')]);
    const { stdout } = await run('zbarimg', ['--nodbus', '-q', join(dir.path, 'page.png')]).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
    );
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  } finally {
    dir.remove();
  }
}

/**
 * Makes the fake hold the connection of the next job: its `~HS` reply must be slow
 * (`replyDelayMs`), and hold is turned on while the worker waits for it, so the status check
 * passes and the job's own connection is accepted but never read.
 */
export async function holdNextJob(fake: FakeZebra): Promise<void> {
  const queries = fake.statusQueries;
  await until('the status check before the job', () => (fake.statusQueries > queries ? true : undefined));
  fake.set({ hold: true });
}
