import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from './ports.js';

/** Printer conditions the fake reports in its `~HS` reply. */
export interface FakeZebraState {
  paperOut: boolean;
  paused: boolean;
  headOpen: boolean;
  ribbonOut: boolean;
  bufferFull: boolean;
  labelsRemaining: number;
  /**
   * The ZPL guide says a printer does not answer `~HS` in media out, ribbon out or head open.
   * Many printers do answer with the flag set; true models the guide's silent printer.
   */
  silentWhenFaulted: boolean;
  /** Milliseconds before each `~HS` reply is written. */
  replyDelayMs: number;
  /**
   * Accept connections but read nothing and never close them, like a printer stuck mid-job:
   * a sender waiting for the printer to take the job stays waiting. Setting it back to false
   * reads everything that was held.
   */
  hold: boolean;
}

/** One `^XA…^XZ` label format as received. */
export interface FakeZebraJob {
  zpl: string;
  /** `^PQ` quantity (1 when absent). */
  copies: number;
  connection: number;
  receivedAt: number;
}

export interface FakeZebra {
  readonly host: string;
  readonly port: number;
  /** `tcp://127.0.0.1:<port>`, the printer address form of CONTRACT.md. */
  readonly address: string;
  /** Every label format received, in order (one per `^XA…^XZ`). */
  readonly jobs: FakeZebraJob[];
  /** Raw bytes per connection, in connection order. */
  readonly connections: Buffer[];
  /** Number of `~HS` queries received. */
  readonly statusQueries: number;
  set(state: Partial<FakeZebraState>): void;
  /** Closes the listener and drops open connections: connects are refused until `up()`. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Resolves once `n` jobs have been received (rejects after `timeoutMs`). */
  waitForJobs(n: number, timeoutMs?: number): Promise<FakeZebraJob[]>;
  stop(): Promise<void>;
}

/**
 * A Zebra printer on raw TCP (port 9100 semantics) for tests: records every byte, splits the
 * stream into label formats, and answers `~HS` with the guide's three-frame layout
 * (ZPL II Programming Guide, "Host Status Return"; frames as in the fixture
 * zpl-host-status-and-labels.json).
 */
export async function startFakeZebra(
  options: { port?: number; state?: Partial<FakeZebraState> } = {},
): Promise<FakeZebra> {
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort());
  const state: FakeZebraState = {
    paperOut: false,
    paused: false,
    headOpen: false,
    ribbonOut: false,
    bufferFull: false,
    labelsRemaining: 0,
    silentWhenFaulted: false,
    replyDelayMs: 0,
    hold: false,
    ...options.state,
  };
  const jobs: FakeZebraJob[] = [];
  const connections: Buffer[] = [];
  const sockets = new Set<Socket>();
  let statusQueries = 0;
  let server: Server | null = null;
  const waiters: Array<() => void> = [];

  const hostStatus = (): string => {
    const b = (v: boolean): string => (v ? '1' : '0');
    const s1 = `030,${b(state.paperOut)},${b(state.paused)},1245,000,${b(state.bufferFull)},0,0,000,0,0,0`;
    const remaining = String(state.labelsRemaining).padStart(8, '0');
    const s2 = `000,0,${b(state.headOpen)},${b(state.ribbonOut)},0,2,4,0,${remaining},1,000`;
    return `\x02${s1}\x03\r\n\x02${s2}\x03\r\n\x021234,0\x03\r\n`;
  };

  const onConnection = (socket: Socket): void => {
    const id = connections.length;
    connections.push(Buffer.alloc(0));
    sockets.add(socket);
    let pending = '';
    socket.on('error', () => {});
    if (state.hold) socket.pause();
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      connections[id] = Buffer.concat([connections[id] ?? Buffer.alloc(0), chunk]);
      pending += chunk.toString('latin1');
      for (;;) {
        const hs = pending.indexOf('~HS');
        const xa = pending.indexOf('^XA');
        if (hs >= 0 && (xa < 0 || hs < xa)) {
          pending = pending.slice(hs + 3);
          statusQueries++;
          const faulted = state.paperOut || state.ribbonOut || state.headOpen;
          if (!(state.silentWhenFaulted && faulted)) {
            const reply = hostStatus();
            setTimeout(() => {
              if (!socket.destroyed) socket.write(reply, 'latin1');
            }, state.replyDelayMs);
          }
          continue;
        }
        if (xa < 0) break;
        const xz = pending.indexOf('^XZ', xa);
        if (xz < 0) break;
        const zpl = Buffer.from(pending.slice(xa, xz + 3), 'latin1').toString('utf8');
        pending = pending.slice(xz + 3);
        const pq = /\^PQ(\d+)/.exec(zpl);
        jobs.push({ zpl, copies: pq ? Number(pq[1]) : 1, connection: id, receivedAt: Date.now() });
        for (const w of waiters.splice(0)) w();
      }
    });
  };

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const srv = createServer(onConnection);
      srv.once('error', reject);
      srv.listen(port, host, () => {
        server = srv;
        resolve();
      });
    });

  const close = async (): Promise<void> => {
    const srv = server;
    server = null;
    for (const s of sockets) s.destroy();
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
  };

  await listen();
  return {
    host,
    port,
    address: `tcp://${host}:${port}`,
    jobs,
    connections,
    get statusQueries() {
      return statusQueries;
    },
    set(patch) {
      Object.assign(state, patch);
      if (patch.hold === false) for (const s of sockets) s.resume();
    },
    down: close,
    up: listen,
    async waitForJobs(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (jobs.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`fake printer: ${jobs.length} of ${n} jobs after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return jobs.slice(0, n);
    },
    stop: close,
  };
}
