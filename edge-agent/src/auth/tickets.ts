import { randomBytes } from 'node:crypto';

/** What a ticket stands for: the session (token hash) that asked for it. */
export interface TicketGrant {
  tokenHash: string;
  username: string;
}

export interface IssuedTicket {
  ticket: string;
  expiresAt: string;
}

interface Entry extends TicketGrant {
  expiresAtMs: number;
}

/**
 * One-use, short-lived tickets for `GET /api/v1/events?ticket=…`. A browser's EventSource cannot
 * send an Authorization header, and a URL ends up in logs, history and proxies: so the console
 * puts there a ticket that works once, for ~30 s, for that route only, instead of its long-lived
 * token (CONTRACT.md "Edge HTTP API", `GET /events`).
 *
 * Kept in memory only (a restart ends them, which costs a console one reconnect) and bounded: in
 * total and per user, so a loop of ticket requests cannot grow the map.
 */
export class EventTickets {
  /** Insertion order is expiry order (one TTL), so pruning stops at the first live entry. */
  private readonly entries = new Map<string, Entry>();
  private readonly perUser = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    readonly ttlMs = 30_000,
    private readonly maxTotal = 1024,
    private readonly maxPerUser = 16,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** A new ticket, or null when this user (or everyone together) holds too many unused ones. */
  issue(grant: TicketGrant): IssuedTicket | null {
    this.prune();
    if (this.entries.size >= this.maxTotal) return null;
    if ((this.perUser.get(grant.username) ?? 0) >= this.maxPerUser) return null;
    const ticket = `sev_${randomBytes(24).toString('base64url')}`;
    const expiresAtMs = this.now() + this.ttlMs;
    this.entries.set(ticket, { ...grant, expiresAtMs });
    this.perUser.set(grant.username, (this.perUser.get(grant.username) ?? 0) + 1);
    return { ticket, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  /** The grant of a live ticket, which is used up by this call; null when unknown, used or expired. */
  consume(ticket: string): TicketGrant | null {
    const entry = this.entries.get(ticket);
    if (!entry) return null;
    this.remove(ticket, entry);
    if (entry.expiresAtMs <= this.now()) return null;
    return { tokenHash: entry.tokenHash, username: entry.username };
  }

  private prune(): void {
    const now = this.now();
    for (const [ticket, entry] of this.entries) {
      if (entry.expiresAtMs > now) break;
      this.remove(ticket, entry);
    }
  }

  private remove(ticket: string, entry: Entry): void {
    this.entries.delete(ticket);
    const n = (this.perUser.get(entry.username) ?? 1) - 1;
    if (n <= 0) this.perUser.delete(entry.username);
    else this.perUser.set(entry.username, n);
  }
}
