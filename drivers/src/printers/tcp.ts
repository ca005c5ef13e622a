import { connect, type Socket } from 'node:net';
import {
  PrinterDeliveryUncertainError,
  PrinterTimeoutError,
  type PrinterTransport,
  PrinterUnreachableError,
  type QueryOptions,
  toBuffer,
  untilFirstEtx,
} from './transport.js';

export interface TcpTransportOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
  /** How long a send may wait for the printer to take the whole job and close. */
  sendTimeoutMs?: number;
}

/**
 * Raw TCP to port 9100, one connection per operation like the CUPS socket backend: a send
 * writes the job, half-closes, and resolves only when the printer has read to the end and
 * closed its side. A written-but-unread job on a dead connection would otherwise look sent.
 */
export class TcpPrinterTransport implements PrinterTransport {
  readonly address: string;
  readonly #connectTimeoutMs: number;
  readonly #sendTimeoutMs: number;
  readonly #open = new Set<Socket>();

  constructor(private readonly options: TcpTransportOptions) {
    this.address = `tcp://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
  }

  async send(bytes: Uint8Array | string): Promise<void> {
    const socket = await this.#connect();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new PrinterDeliveryUncertainError(
            this.address,
            `printer did not take the job within ${this.#sendTimeoutMs} ms`,
          ),
        );
      }, this.#sendTimeoutMs);
      let failed: Error | null = null;
      socket.on('error', (err) => {
        failed = new PrinterDeliveryUncertainError(this.address, err.message);
      });
      socket.once('close', () => {
        clearTimeout(timer);
        if (failed) reject(failed);
        else resolve();
      });
      // Drop anything the printer says while taking a job; replies belong to queries.
      socket.resume();
      socket.end(toBuffer(bytes));
    });
  }

  async query(cmd: Uint8Array | string, options: QueryOptions): Promise<Buffer> {
    const until = options.until ?? untilFirstEtx;
    const socket = await this.#connect();
    return new Promise<Buffer>((resolve, reject) => {
      let received = Buffer.alloc(0);
      let done = false;
      const finish = (err: Error | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve(received);
      };
      const timer = setTimeout(
        () => finish(new PrinterTimeoutError(this.address, options.timeoutMs)),
        options.timeoutMs,
      );
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (until(received)) finish(null);
      });
      socket.on('error', (err) => finish(new Error(`${this.address}: ${err.message}`)));
      socket.once('close', () =>
        finish(new Error(`${this.address}: connection closed before a complete reply`)),
      );
      socket.write(toBuffer(cmd));
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#open) socket.destroy();
    this.#open.clear();
  }

  #connect(): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.options.host, port: this.options.port });
      socket.setNoDelay(true);
      this.#open.add(socket);
      socket.once('close', () => this.#open.delete(socket));
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new PrinterUnreachableError(this.address, `no connection within ${this.#connectTimeoutMs} ms`),
        );
      }, this.#connectTimeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(new PrinterUnreachableError(this.address, err.message));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(socket);
      });
    });
  }
}
