import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { loadSettings } from './config/settings.js';

/**
 * `store-edge edge backup --out FILE`: SQLite's online backup API copies a consistent snapshot
 * while the agent keeps writing (https://www.sqlite.org/backup.html).
 */
export async function backupCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } }, strict: true });
  if (!values.out) {
    process.stderr.write('usage: store-edge edge backup --out FILE\n');
    process.exit(2);
  }
  const settings = loadSettings();
  const source = join(settings.dataDir, 'ledger.sqlite');
  if (!existsSync(source)) {
    process.stderr.write(`store-edge: no ledger at ${resolve(source)} (STORE_EDGE_DATA_DIR)\n`);
    process.exit(1);
  }
  const db = new Database(source, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const out = resolve(values.out);
  const started = Date.now();
  await db.backup(out, {
    progress: ({ totalPages, remainingPages }) => {
      process.stderr.write(`\rbackup: ${totalPages - remainingPages}/${totalPages} pages`);
      return 256;
    },
  });
  db.close();
  process.stderr.write(`\nbackup written to ${out} in ${Date.now() - started} ms\n`);
}
