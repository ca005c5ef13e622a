import { connect, type Socket } from 'node:net';

export interface SilentReaders {
  sockets: Socket[];
  /** Sockets the server has closed or reset so far. */
  closedByServer(): number;
  close(): void;
}

/**
 * Opens `count` raw TCP connections that each send one HTTP GET (with the given headers) and
 * then never read a byte: the socket is paused before it connects, so Node never starts reading
 * and everything the server sends stays in the kernel's receive buffer, which does not grow for
 * a reader that does not read (Node offers no SO_RCVBUF; the default 128 KiB stays). What a
 * console on a frozen tablet, or a hostile client, looks like to the agent.
 */
export async function openSilentReaders(opts: {
  host?: string;
  port: number;
  path: string;
  headers?: Record<string, string>;
  count: number;
}): Promise<SilentReaders> {
  const host = opts.host ?? '127.0.0.1';
  const head = [
    `GET ${opts.path} HTTP/1.1`,
    `Host: ${host}:${opts.port}`,
    'Accept: text/event-stream',
    ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  const sockets: Socket[] = [];
  let closed = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const s = connect({ host, port: opts.port });
      // Paused before it connects: Node then never calls read (net.Socket afterConnect).
      s.pause();
      s.once('connect', () => {
        s.write(head);
        resolve();
      });
      s.once('error', (err) => {
        if (s.connecting) reject(err);
      });
      s.once('close', () => {
        closed++;
      });
      sockets.push(s);
    });
  // In small groups: a burst of 1000 SYNs overflows a default listen backlog (511).
  for (let i = 0; i < opts.count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, opts.count - i) }, one));
  }
  return {
    sockets,
    closedByServer: () => closed,
    close: () => {
      for (const s of sockets) s.destroy();
    },
  };
}
