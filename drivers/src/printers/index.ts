import { FilePrinterTransport } from './file.js';
import { SerialPrinterTransport } from './serial.js';
import { TcpPrinterTransport, type TcpTransportOptions } from './tcp.js';
import { type PrinterTransport, parsePrinterAddress } from './transport.js';

export { FilePrinterTransport } from './file.js';
export {
  checkPrinterStatus,
  formatHostStatus,
  type HostStatus,
  HostStatusParseError,
  hostStatusFrames,
  hostStatusProblems,
  isCompleteHostStatus,
  type PrinterStatus,
  type PrintMode,
  parseHostStatus,
} from './host-status.js';
export { SerialPrinterTransport } from './serial.js';
export {
  DEFAULT_ZPL_PORT,
  type PrinterAddress,
  PrinterAddressError,
  PrinterDeliveryUncertainError,
  PrinterTimeoutError,
  type PrinterTransport,
  PrinterUnreachableError,
  parsePrinterAddress,
  type QueryOptions,
} from './transport.js';
export { TcpPrinterTransport, type TcpTransportOptions };

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
