import { SerialPort } from 'serialport';
import {
  PrinterDeliveryUncertainError,
  PrinterTimeoutError,
  type PrinterTransport,
  PrinterUnreachableError,
  type QueryOptions,
  toBuffer,
  untilFirstEtx,
} from './transport.js';

/** A printer on a serial port (or USB-serial adapter). The port is opened on first use. */
export class SerialPrinterTransport implements PrinterTransport {
  readonly address: string;
  #port: SerialPort | null = null;
  #opening: Promise<SerialPort> | null = null;
  #onData: ((chunk: Buffer) => void) | null = null;

  constructor(private readonly options: { path: string; baudRate: number }) {
    this.address = `serial:${options.path}?baudRate=${options.baudRate}`;
  }

  async send(bytes: Uint8Array | string): Promise<void> {
    const port = await this.#open();
    try {
      await write(port, toBuffer(bytes));
    } catch (err) {
      throw new PrinterDeliveryUncertainError(this.address, (err as Error).message);
    }
  }

  async query(cmd: Uint8Array | string, options: QueryOptions): Promise<Buffer> {
    const until = options.until ?? untilFirstEtx;
    const port = await this.#open();
    return new Promise<Buffer>((resolve, reject) => {
      let received = Buffer.alloc(0);
      const finish = (err: Error | null): void => {
        clearTimeout(timer);
        this.#onData = null;
        if (err) reject(err);
        else resolve(received);
      };
      const timer = setTimeout(
        () => finish(new PrinterTimeoutError(this.address, options.timeoutMs)),
        options.timeoutMs,
      );
      this.#onData = (chunk) => {
        received = Buffer.concat([received, chunk]);
        if (until(received)) finish(null);
      };
      write(port, toBuffer(cmd)).catch((err: Error) => finish(err));
    });
  }

  async close(): Promise<void> {
    const port = this.#port;
    this.#port = null;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  #open(): Promise<SerialPort> {
    if (this.#port?.isOpen) return Promise.resolve(this.#port);
    if (this.#opening) return this.#opening;
    this.#opening = new Promise<SerialPort>((resolve, reject) => {
      const port = new SerialPort({
        path: this.options.path,
        baudRate: this.options.baudRate,
        autoOpen: false,
      });
      port.on('data', (chunk: Buffer) => this.#onData?.(chunk));
      // A later error (adapter unplugged) closes the port; the next call opens it again.
      port.on('error', () => {});
      port.on('close', () => {
        if (this.#port === port) this.#port = null;
      });
      port.open((err) => {
        if (err) {
          reject(new PrinterUnreachableError(this.address, err.message));
          return;
        }
        this.#port = port;
        resolve(port);
      });
    }).finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }
}

function write(port: SerialPort, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(data, (err) => {
      if (err) {
        reject(err);
        return;
      }
      port.drain((drainErr) => (drainErr ? reject(drainErr) : resolve()));
    });
  });
}
