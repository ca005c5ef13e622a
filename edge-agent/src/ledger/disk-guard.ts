import { statfs } from 'node:fs/promises';
import type { Gauge } from 'prom-client';

/**
 * Watches free disk under the data dir. Below the warning threshold the console and /metrics
 * warn; only below the hard floor does the API refuse new movements (507), so the buffer of
 * unacknowledged movements is never put at risk by a full disk.
 */
export class DiskGuard {
  freeBytes = -1;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dir: string,
    private readonly warnBytes: number,
    private readonly floorBytes: number,
    private readonly gauge?: Gauge,
  ) {}

  async check(): Promise<number> {
    try {
      const s = await statfs(this.dir);
      this.freeBytes = s.bavail * s.bsize;
      this.gauge?.set(this.freeBytes);
    } catch {
      this.freeBytes = -1;
    }
    return this.freeBytes;
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get warning(): boolean {
    return this.freeBytes >= 0 && this.freeBytes < this.warnBytes;
  }

  /** A reason to refuse new movements, or null. */
  refusal(): string | null {
    if (this.freeBytes >= 0 && this.freeBytes < this.floorBytes) {
      return `only ${this.freeBytes} bytes free under the data dir (floor ${this.floorBytes}): new movements are refused until space is freed; nothing buffered is lost`;
    }
    return null;
  }
}
