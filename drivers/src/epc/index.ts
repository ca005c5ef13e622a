export { decodeEpc } from './decode.js';
export { encodeSgtin96, type Sgtin96Input } from './encode.js';
export { gs1CheckDigit } from './gs1.js';
export type {
  DecodedEpc,
  EpcDecodeResult,
  Giai,
  Grai,
  InvalidEpc,
  Sgln,
  Sgtin,
  Sscc,
  UnknownEpc,
} from './types.js';
