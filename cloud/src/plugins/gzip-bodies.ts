import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem.js';

/**
 * Gzip request bodies (edges on slow WANs compress batches). bodyLimit then applies to the
 * decompressed size, so a small bomb cannot blow up memory. Any other Content-Encoding is 415.
 * Installed on the root instance, so it holds for every route.
 */
export function installGzipBodies(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding'];
    if (!encoding || encoding === 'identity') return payload;
    if (encoding !== 'gzip') {
      throw new HttpProblem(415, 'Unsupported Media Type', `content-encoding '${encoding}' is not supported`);
    }
    const gunzip = createGunzip();
    let encoded = 0;
    payload.on('data', (b: Buffer) => {
      encoded += b.length;
      (gunzip as unknown as { receivedEncodedLength: number }).receivedEncodedLength = encoded;
    });
    payload.on('error', (err) => gunzip.destroy(err));
    delete request.headers['content-length'];
    return payload.pipe(gunzip);
  });
}
