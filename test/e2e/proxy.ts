import { connect, createServer, type Server, type Socket } from 'node:net';

export interface ChaosProxy {
  port: number;
  url: string;
  stats: { requests: number; cut: number; duplicated: number };
  close(): Promise<void>;
}

/**
 * A TCP proxy that understands just enough HTTP/1.1 (Content-Length bodies) to misbehave like a
 * bad store link: it cuts some connections right after the request went upstream (the cloud
 * applies it, the edge never hears back), and delivers some requests a second time.
 */
export async function startChaosProxy(
  upstreamPort: number,
  opts: { cutRate: number; duplicateRate: number; rand?: () => number },
): Promise<ChaosProxy> {
  const rand = opts.rand ?? Math.random;
  const stats = { requests: 0, cut: 0, duplicated: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(upstream);
    let buf = Buffer.alloc(0);
    let cutAfterSend = false;
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (d) => {
      if (!client.destroyed) client.write(d);
    });
    upstream.on('error', kill);
    client.on('error', kill);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const headEnd = buf.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buf.subarray(0, headEnd).toString('latin1');
        const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        const total = headEnd + 4 + len;
        if (buf.length < total) return;
        const request = buf.subarray(0, total);
        buf = buf.subarray(total);
        stats.requests++;
        if (cutAfterSend) return;
        upstream.write(request);
        if (rand() < opts.duplicateRate) {
          stats.duplicated++;
          const dup = connect(upstreamPort, '127.0.0.1', () => dup.write(request));
          dup.on('data', () => dup.destroy());
          dup.on('error', () => {});
          setTimeout(() => dup.destroy(), 10_000).unref();
        }
        if (rand() < opts.cutRate) {
          stats.cut++;
          cutAfterSend = true;
          // Give the request time to reach the cloud, then drop the link before the answer.
          setTimeout(kill, 5);
          return;
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stats,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
