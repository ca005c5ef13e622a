/**
 * Decoded EPC binary encodings. Field names follow GS1 EPC Tag Data Standard (TDS) 1.13;
 * digit strings keep their leading zeros because the partition fixes their length.
 */

interface EpcBase {
  /** The EPC as received, uppercase hex. */
  hex: string;
  /** Filter value, TDS §10 (e.g. Table 10-1 for SGTIN: 1 = point-of-sale item). */
  filter: number;
  partition: number;
  companyPrefix: string;
  /** Pure-identity URI, TDS §6.3 (e.g. `urn:epc:id:sgtin:0614141.812345.6789`). */
  uri: string;
  /** Tag URI with the filter, TDS §12 (e.g. `urn:epc:tag:sgtin-96:3.0614141.812345.6789`). */
  tagUri: string;
  /** The GS1 element string with AIs in brackets, TDS §7. */
  gs1ElementString: string;
}

export interface Sgtin extends EpcBase {
  scheme: 'sgtin-96' | 'sgtin-198';
  /** Indicator digit followed by the item reference (13 − company prefix digits). */
  itemReference: string;
  /** GTIN-14 with its computed check digit (GS1 General Specifications §7.9). */
  gtin14: string;
  /** Serial as it appears in AI (21): decimal for SGTIN-96, up to 20 characters for SGTIN-198. */
  serial: string;
}

export interface Sscc extends EpcBase {
  scheme: 'sscc-96';
  /** Extension digit followed by the serial reference (17 − company prefix digits). */
  serialReference: string;
  /** The 18-digit SSCC with its check digit. */
  sscc18: string;
}

export interface Sgln extends EpcBase {
  scheme: 'sgln-96';
  locationReference: string;
  /** The 13-digit GLN with its check digit. */
  gln: string;
  /** GLN extension as a decimal integer string; "0" means no extension (TDS §14.5.3). */
  extension: string;
}

export interface Grai extends EpcBase {
  scheme: 'grai-96';
  assetType: string;
  /** AI (8003) without the serial: "0" + company prefix + asset type + check digit (14 digits). */
  grai14: string;
  serial: string;
}

export interface Giai extends EpcBase {
  scheme: 'giai-96';
  /** Individual asset reference as a decimal integer string (may exceed 2^53). */
  assetReference: string;
}

/** A well-formed EPC whose header this decoder does not interpret (TDS Table 14-1 or not GS1 at all). */
export interface UnknownEpc {
  scheme: 'unknown';
  hex: string;
  /** First byte, two uppercase hex digits. */
  header: string;
  /** Name from TDS Table 14-1 when the header is a known GS1 one (e.g. `GID-96`). */
  headerName?: string;
}

/** Input that is not a decodable EPC; `reason` says why. */
export interface InvalidEpc {
  scheme: 'invalid';
  /** The input as given (not normalised: it may not be hex at all). */
  hex: string;
  reason: string;
}

export type DecodedEpc = Sgtin | Sscc | Sgln | Grai | Giai;
export type EpcDecodeResult = DecodedEpc | UnknownEpc | InvalidEpc;
