import { createServer, type Server } from 'node:http';

export interface InflatingProxy {
  url: string;
  /** While true, every 200 answer to a replication batch claims `by` more than the cloud said. */
  inflate: boolean;
  stats: { inflated: number };
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the cloud that lies about acknowledgements: a batch answer
 * `{appliedSeq}` comes back with `appliedSeq + by` (a broken or hostile middlebox on a plain
 * http:// cloud URL). Everything else passes through unchanged, including the pull-back pages.
 */
export async function startInflatingProxy(upstream: string, by: number): Promise<InflatingProxy> {
  const stats = { inflated: 0 };
  const proxy: InflatingProxy = { url: '', inflate: true, stats, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection')
          headers[k] = v;
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${upstream}${req.url}`, { method: req.method, headers, body })
        .then(async (r) => {
          let text = await r.text();
          if (
            proxy.inflate &&
            r.status === 200 &&
            req.method === 'POST' &&
            /\/replication\/batches$/.test(req.url ?? '')
          ) {
            const parsed = JSON.parse(text) as { appliedSeq: number };
            text = JSON.stringify({ appliedSeq: parsed.appliedSeq + by });
            stats.inflated++;
          }
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(text);
        })
        .catch(() => {
          res.destroy();
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return proxy;
}
