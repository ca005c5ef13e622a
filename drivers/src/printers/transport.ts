/**
 * One way to reach a label printer. Zebra printers take ZPL as a plain byte stream on every
 * interface (raw TCP 9100, serial, USB printer class), and answer `~` commands such as `~HS`
 * on the same channel, so one interface covers all three.
 */
export interface PrinterTransport {
  /** The address it was opened with, e.g. `tcp://10.0.0.5:9100`. */
  readonly address: string;
  /**
   * Delivers one job. Rejects with {@link PrinterUnreachableError} when nothing was sent
   * (safe to retry) and with {@link PrinterDeliveryUncertainError} when the link failed after
   * bytes may have reached the printer (a retry could print twice).
   */
  send(bytes: Uint8Array | string): Promise<void>;
  /**
   * Sends `cmd` and collects the reply until `until(received)` says it is complete (default:
   * the first ETX, 0x03) or `timeoutMs` passes, which rejects with {@link PrinterTimeoutError}.
   */
  query(cmd: Uint8Array | string, options: QueryOptions): Promise<Buffer>;
  close(): Promise<void>;
}

export interface QueryOptions {
  timeoutMs: number;
  until?: (received: Buffer) => boolean;
}

export class PrinterTimeoutError extends Error {
  constructor(address: string, timeoutMs: number) {
    super(`${address}: no reply within ${timeoutMs} ms`);
    this.name = 'PrinterTimeoutError';
  }
}

/** The printer could not be reached; no byte of the job left this host. */
export class PrinterUnreachableError extends Error {
  constructor(address: string, reason: string) {
    super(`${address}: ${reason}`);
    this.name = 'PrinterUnreachableError';
  }
}

/** The link failed during a job: the printer may or may not have printed it. */
export class PrinterDeliveryUncertainError extends Error {
  constructor(address: string, reason: string) {
    super(`${address}: ${reason} (the job may have printed)`);
    this.name = 'PrinterDeliveryUncertainError';
  }
}

export class PrinterAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrinterAddressError';
  }
}

export type PrinterAddress =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'serial'; path: string; baudRate: number }
  | { kind: 'file'; path: string };

/** Zebra's raw ZPL port (Link-OS SDK `TcpConnection.DEFAULT_ZPL_TCP_PORT`). */
export const DEFAULT_ZPL_PORT = 9100;

/**
 * Parses the printer address forms of CONTRACT.md: `tcp://host:9100` (port defaults to 9100),
 * `serial:/dev/ttyUSB0?baudRate=9600` (baud defaults to 9600) and `file:/dev/usb/lp0`.
 */
export function parsePrinterAddress(address: string): PrinterAddress {
  if (address.startsWith('tcp://')) {
    const rest = address.slice('tcp://'.length).replace(/\/$/, '');
    // [v6]:port, host:port or host
    const m = /^(?:\[([^\]]+)\]|([^:/?#]+))(?::(\d+))?$/.exec(rest);
    if (!m) throw new PrinterAddressError(`bad printer address '${address}': expected tcp://host:9100`);
    const host = m[1] ?? m[2] ?? '';
    const port = m[3] === undefined ? DEFAULT_ZPL_PORT : Number(m[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new PrinterAddressError(`bad printer address '${address}': port must be 1-65535`);
    }
    return { kind: 'tcp', host, port };
  }
  if (address.startsWith('serial:')) {
    const [path = '', query = ''] = address.slice('serial:'.length).split('?', 2);
    if (!path.startsWith('/')) {
      throw new PrinterAddressError(
        `bad printer address '${address}': expected serial:/dev/ttyUSB0?baudRate=9600`,
      );
    }
    const params = new URLSearchParams(query);
    for (const key of params.keys()) {
      if (key !== 'baudRate')
        throw new PrinterAddressError(`bad printer address '${address}': unknown option '${key}'`);
    }
    const baudText = params.get('baudRate');
    const baudRate = baudText === null ? 9600 : Number(baudText);
    if (!Number.isInteger(baudRate) || baudRate <= 0) {
      throw new PrinterAddressError(`bad printer address '${address}': baudRate must be a positive integer`);
    }
    return { kind: 'serial', path, baudRate };
  }
  if (address.startsWith('file:')) {
    const path = address.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path.startsWith('/')) {
      throw new PrinterAddressError(`bad printer address '${address}': expected file:/dev/usb/lp0`);
    }
    return { kind: 'file', path };
  }
  throw new PrinterAddressError(
    `bad printer address '${address}': use tcp://host:9100, serial:/dev/ttyUSB0?baudRate=9600 or file:/dev/usb/lp0`,
  );
}

/** Default end of a reply: the first ETX (Zebra status replies are STX…ETX frames). */
export function untilFirstEtx(received: Buffer): boolean {
  return received.includes(0x03);
}

export function toBuffer(bytes: Uint8Array | string): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
}
