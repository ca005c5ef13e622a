import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import {
  PrinterDeliveryUncertainError,
  PrinterTimeoutError,
  type PrinterTransport,
  PrinterUnreachableError,
  type QueryOptions,
  toBuffer,
  untilFirstEtx,
} from './transport.js';

/**
 * A printer reached through a file or character device such as `/dev/usb/lp0` (Linux usblp).
 * Each send opens, writes and closes the device, so an unplugged printer surfaces as an error
 * on the next job rather than a stale descriptor. A query opens the device non-blocking and
 * polls for the reply: a blocking read on a printer that never answers would pin a libuv
 * thread. A regular file (or a printer without a back channel) simply times out.
 */
export class FilePrinterTransport implements PrinterTransport {
  readonly address: string;

  constructor(
    private readonly path: string,
    private readonly pollMs = 20,
  ) {
    this.address = `file:${path}`;
  }

  async send(bytes: Uint8Array | string): Promise<void> {
    const fh = await this.#openFor(constants.O_WRONLY | constants.O_APPEND);
    try {
      await fh.write(toBuffer(bytes));
    } catch (err) {
      throw new PrinterDeliveryUncertainError(this.address, (err as Error).message);
    } finally {
      await fh.close();
    }
  }

  async query(cmd: Uint8Array | string, options: QueryOptions): Promise<Buffer> {
    const until = options.until ?? untilFirstEtx;
    const fh = await this.#openFor(constants.O_RDWR | constants.O_NONBLOCK);
    try {
      await fh.write(toBuffer(cmd));
      const deadline = Date.now() + options.timeoutMs;
      let received = Buffer.alloc(0);
      const chunk = Buffer.alloc(512);
      for (;;) {
        let n = 0;
        try {
          ({ bytesRead: n } = await fh.read(chunk, 0, chunk.length, null));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        }
        if (n > 0) {
          received = Buffer.concat([received, chunk.subarray(0, n)]);
          if (until(received)) return received;
          continue;
        }
        if (Date.now() >= deadline) throw new PrinterTimeoutError(this.address, options.timeoutMs);
        await new Promise((r) => setTimeout(r, this.pollMs));
      }
    } finally {
      await fh.close();
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  async #openFor(flags: number): Promise<FileHandle> {
    try {
      return await open(this.path, flags, 0o644);
    } catch (err) {
      throw new PrinterUnreachableError(this.address, (err as Error).message);
    }
  }
}
