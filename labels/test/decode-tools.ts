import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { which } from '@store-edge/testing';
import { ready } from 'zpl-renderer-js';

const run = promisify(execFile);

/** The independent tools the decode tests rely on, or a message saying what to install. */
export function missingTools(): string | null {
  const missing = ['zbarimg', 'pdftoppm', 'pdftotext', 'pdfinfo', 'dmtxread'].filter(
    (t) => which(t) === null,
  );
  return missing.length === 0
    ? null
    : `missing ${missing.join(', ')}: apt-get install -y zbar-tools poppler-utils dmtx-utils`;
}

/** ZPL → PNG with zpl-renderer-js (zebrash compiled to WebAssembly), written to `dir`. */
export async function zplToPng(
  zpl: string,
  size: { widthMm: number; heightMm: number },
  dpmm: number,
  file: string,
): Promise<string> {
  const { api } = await ready;
  const b64 = await api.zplToBase64Async(zpl, size.widthMm, size.heightMm, dpmm);
  writeFileSync(file, Buffer.from(b64, 'base64'));
  return file;
}

/** PDF → one PNG per page with poppler's pdftoppm at 300 dpi. */
export async function pdfToPng(pdf: Buffer, dir: string, name: string): Promise<string> {
  const pdfPath = join(dir, `${name}.pdf`);
  writeFileSync(pdfPath, pdf);
  await run('pdftoppm', ['-r', '300', '-gray', '-png', '-singlefile', pdfPath, join(dir, name)]);
  return join(dir, `${name}.png`);
}

export interface Decoded {
  /** zbar's symbology name (EAN-13, CODE-128) or `DataMatrix`. */
  type: string;
  data: string;
  /** zbar reports `GS1` when a Code 128 starts with FNC1. */
  gs1: boolean;
}

/** Every linear symbol zbarimg finds (XML output, so the GS1 modifier is visible). */
export async function zbar(png: string): Promise<Decoded[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('zbarimg', ['--nodbus', '--xml', '-q', png]));
  } catch (err) {
    // Exit status 4: no symbol found.
    if ((err as { code?: number }).code === 4) return [];
    throw err;
  }
  const out: Decoded[] = [];
  for (const m of stdout.matchAll(/<symbol ([^>]*)><data><!\[CDATA\[([\s\S]*?)\]\]><\/data>/g)) {
    const attrs = m[1] ?? '';
    const type = /type='([^']*)'/.exec(attrs)?.[1] ?? '';
    const modifiers = /modifiers='([^']*)'/.exec(attrs)?.[1] ?? '';
    out.push({ type, gs1: modifiers.split(',').includes('GS1'), data: m[2] ?? '' });
  }
  return out;
}

/**
 * Data Matrix symbols via libdmtx. `-G29` reports FNC1 as GS (0x1D): a GS1 DataMatrix then
 * reads as GS + element string, with GS after each variable-length field that is not last.
 */
export async function dmtx(png: string): Promise<Decoded[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('dmtxread', ['-G29', '-n', '-N1', '-m', '5000', png]));
  } catch (err) {
    if ((err as { code?: number }).code === 1) return [];
    throw err;
  }
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((data) => ({ type: 'DataMatrix', data, gs1: data.startsWith('\x1d') }));
}
