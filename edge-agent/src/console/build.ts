import { gzipSync } from 'node:zlib';
import { writeBundle } from '../../../consoles/bundle.js';
import { storeConsole } from './bundle.js';

/** `npm run build:console`: writes the console to edge-agent/console/dist and prints its size. */
const hash = await storeConsole.sourceHash();
if (hash === null) {
  process.stderr.write('no console sources found\n');
  process.exit(1);
}
const files = await storeConsole.bundle(hash);
await writeBundle(storeConsole.distDir, files, hash);
for (const [name, contents] of files) {
  process.stdout.write(
    `${name.padEnd(12)} ${String(contents.byteLength).padStart(8)} B  gzip ${String(gzipSync(contents).byteLength).padStart(7)} B\n`,
  );
}
