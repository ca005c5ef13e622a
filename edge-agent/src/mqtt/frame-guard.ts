/** Why a connection's byte stream was refused. */
export interface FrameProblem {
  reason: 'packet_too_large' | 'malformed' | 'not_connect';
  detail: string;
}

/**
 * Follows the MQTT framing of one connection's incoming bytes (MQTT 3.1.1 §2.2: a fixed header
 * byte, then the remaining length as a variable byte integer of 1–4 bytes, then that many bytes)
 * without keeping any of them, and refuses a packet as soon as its declared length is known to be
 * too large, so nothing ever buffers it. The first packet must be a CONNECT (§3.1, MQTT-3.1.0-1)
 * and gets the tighter `connectMaxBytes`: a client has not authenticated before it.
 */
export class FrameGuard {
  private state: 'header' | 'length' | 'body' = 'header';
  private first = true;
  private type = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly limits: { connectMaxBytes: number; maxPacketBytes: number }) {}

  /** Feeds the next bytes read; a problem means: close the connection, pass nothing on. */
  feed(buf: Buffer): FrameProblem | null {
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'body') {
        const n = Math.min(this.remaining, buf.length - i);
        this.remaining -= n;
        i += n;
        if (this.remaining === 0) this.state = 'header';
        continue;
      }
      const byte = buf[i++] as number;
      if (this.state === 'header') {
        this.type = byte >> 4;
        if (this.first && this.type !== 1)
          return { reason: 'not_connect', detail: `first packet is type ${this.type}, not CONNECT` };
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      // Remaining length: 7 bits a byte, least significant first, high bit = more (§2.2.3).
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4)
          return { reason: 'malformed', detail: 'remaining length longer than 4 bytes' };
        continue;
      }
      const max = this.first ? this.limits.connectMaxBytes : this.limits.maxPacketBytes;
      if (this.length > max) {
        return {
          reason: 'packet_too_large',
          detail: `${this.first ? 'CONNECT' : 'packet'} of ${this.length} bytes declared, at most ${max} accepted`,
        };
      }
      this.first = false;
      this.remaining = this.length;
      this.state = this.remaining > 0 ? 'body' : 'header';
    }
    return null;
  }
}
