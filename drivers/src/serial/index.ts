export { MAX_FRAME_LENGTH, SerialFramer, type SerialSuffix, SUFFIX_NAMES } from './framer.js';
export {
  defaultSerialPortFactory,
  type SerialPortFactory,
  type SerialPortLike,
  SerialScanner,
  type SerialScannerOptions,
} from './serial-scanner.js';
