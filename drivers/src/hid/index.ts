export type { HidBinding, HidDevice, HidDeviceInfo, HidOpenOptions } from './binding.js';
export { enumerateHidScanners, type HidScannerCandidate } from './enumerate.js';
export { HidScanner, type HidScannerOptions } from './hid-scanner.js';
export {
  encodeKeyboardReports,
  type KeyboardDecoderOptions,
  KeyboardWedgeDecoder,
  MAX_CODE_LENGTH,
} from './keyboard-decoder.js';
export {
  isKeyboardLayoutName,
  KEYBOARD_LAYOUTS,
  type KeyboardLayoutName,
  LAYOUTS,
} from './keyboard-layouts.js';
export { createNodeHidBinding, HidUnavailableError } from './node-hid-binding.js';
export { HidPosDecoder, MAX_POS_DATA, type PosDecoderOptions, type PosScan } from './pos-decoder.js';
