import { FilePrinterTransport } from './file.js';
import { SerialPrinterTransport } from './serial.js';
import { TcpPrinterTransport } from './tcp.js';
import { type PrinterTransport, parsePrinterAddress } from './transport.js';

export * from './file.js';
export * from './host-status.js';
export * from './serial.js';
export * from './tcp.js';
export * from './transport.js';

/** Opens (lazily: nothing connects until the first send or query) a transport for an address. */
export function openPrinterTransport(address: string): PrinterTransport {
  const parsed = parsePrinterAddress(address);
  switch (parsed.kind) {
    case 'tcp':
      return new TcpPrinterTransport({ host: parsed.host, port: parsed.port });
    case 'serial':
      return new SerialPrinterTransport({ path: parsed.path, baudRate: parsed.baudRate });
    case 'file':
      return new FilePrinterTransport(parsed.path);
  }
}
