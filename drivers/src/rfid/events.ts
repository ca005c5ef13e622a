/** One read of one tag by one antenna, whatever the reader brand (ARCHITECTURE.md "Data flow"). */
export interface TagReadEvent {
  readerId: string;
  /** Antenna port as the reader numbers it (1-based on Zebra and Impinj); 0 when the reader did not say. */
  antenna: number;
  /** EPC as uppercase hex, exactly the bits the reader reported (decode it with `decodeEpc`). */
  epc: string;
  /** Peak RSSI in dBm, when the reader reports it. */
  rssi?: number;
  /** When the reader saw the tag (its own clock); the receive time when it gave none. */
  at: Date;
}
