import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import type { RevokedSessions } from '../../auth/users.js';
import type { AgentContext } from '../../context.js';
import { EdgeError, ErrorCode } from '../../errors.js';
import type { EdgeEvents } from '../../events.js';
import { allow, EVERYONE } from '../auth.js';
import { problems, SECURED } from '../schemas.js';
import type { App } from '../server.js';

const FORWARDED = ['movements', 'scan', 'device', 'replication', 'tags', 'print'] as const satisfies Array<
  keyof EdgeEvents
>;

/** Comment lines keep proxies from closing an idle stream; the same tick checks each session. */
const TICK_MS = 15_000;

interface Stream {
  res: ServerResponse;
  username: string;
  tokenHash: string | null;
  closed: boolean;
}

export interface EventLimits {
  maxStreams: number;
  maxStreamsPerUser: number;
  maxBufferedBytes: number;
}

/**
 * The open event streams. Each stream subscribes to the agent's events on the bus as their
 * owner, and its subscriptions go when it closes (so movements are read back from the ledger
 * only while a stream is open). Each event is serialized once and written to every stream; a
 * stream whose reader has fallen more than `maxBufferedBytes` behind is closed (and counted),
 * so a client that never reads costs at most that much memory.
 */
export class EventHub {
  private readonly streams = new Set<Stream>();
  private readonly perUser = new Map<string, number>();
  /** The last event serialized, reused by the other streams' listeners of the same emit. */
  private last: { name: string; payload: unknown; chunk: Buffer } | null = null;
  private tick: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly ctx: Pick<AgentContext, 'events' | 'metrics' | 'users'>,
    private readonly limits: EventLimits,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Which cap a new stream of this user would exceed, if any. */
  refusal(username: string): 'total' | 'user' | null {
    if (this.streams.size >= this.limits.maxStreams) return 'total';
    if ((this.perUser.get(username) ?? 0) >= this.limits.maxStreamsPerUser) return 'user';
    return null;
  }

  open(res: ServerResponse, username: string, tokenHash: string | null): void {
    const stream: Stream = { res, username, tokenHash, closed: false };
    this.streams.add(stream);
    this.perUser.set(username, (this.perUser.get(username) ?? 0) + 1);
    this.ctx.metrics.eventStreams.set(this.streams.size);
    res.on('close', () => this.close(stream));
    // A write racing the client's disconnect must not become an unhandled 'error' (a crash).
    res.on('error', () => this.close(stream));
    for (const name of FORWARDED) {
      this.ctx.events.on(name, (payload) => this.send(stream, this.chunk(name, payload)), stream);
    }
    if (this.streams.size === 1) this.startTicking();
  }

  /** Closes the streams of sessions that ended (logout, a role or password change). */
  revoked(ended: RevokedSessions): void {
    for (const s of this.streams) {
      if ('tokenHash' in ended ? s.tokenHash === ended.tokenHash : s.username === ended.username)
        this.drop(s, 'revoked');
    }
  }

  /** Closes every stream (the agent stops). */
  closeAll(): void {
    for (const s of this.streams) s.res.destroy();
  }

  private startTicking(): void {
    this.tick = setInterval(() => this.onTick(), TICK_MS);
    this.tick.unref();
  }

  private stopTicking(): void {
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
  }

  /**
   * One buffer for all streams: a socket that takes only part of a write keeps a reference to
   * the rest of a buffer, where it would keep its own copy of the rest of a string. The bus
   * calls every stream's listener with the same payload in one go, so the first serializes it
   * and the others reuse that until the next event.
   */
  private chunk(name: string, payload: unknown): Buffer {
    const last = this.last;
    if (last !== null && last.name === name && last.payload === payload) return last.chunk;
    const chunk = Buffer.from(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    this.last = { name, payload, chunk };
    // Not kept past this emit: a payload object emitted again later is serialized again.
    queueMicrotask(() => {
      if (this.last?.chunk === chunk) this.last = null;
    });
    return chunk;
  }

  private send(s: Stream, text: Buffer | string): void {
    if (s.res.destroyed) {
      this.close(s);
      return;
    }
    // Checked before the write, so one large event (a 1000-movement commit) never drops a
    // reader that keeps up; what a stream holds is bounded by the limit plus one event.
    if (s.res.writableLength > this.limits.maxBufferedBytes) {
      this.drop(s, 'slow');
      return;
    }
    s.res.write(text);
  }

  private onTick(): void {
    for (const s of this.streams) {
      // A stream lives no longer than its session: expiry (logout and user changes close it at once).
      if (s.tokenHash && !this.ctx.users.sessionByHash(s.tokenHash)) this.drop(s, 'revoked');
      else this.send(s, ': ping\n\n');
    }
  }

  private drop(s: Stream, reason: 'slow' | 'revoked'): void {
    if (s.closed) return;
    this.ctx.metrics.eventStreamsDropped.inc({ reason });
    // destroy, not end: a reader that does not read would never take the rest, and the
    // buffered bytes are freed only when the socket goes.
    s.res.destroy();
    this.close(s);
  }

  private close(s: Stream): void {
    if (s.closed) return;
    s.closed = true;
    this.ctx.events.removeListeners(s);
    this.streams.delete(s);
    const n = (this.perUser.get(s.username) ?? 1) - 1;
    if (n <= 0) this.perUser.delete(s.username);
    else this.perUser.set(s.username, n);
    this.ctx.metrics.eventStreams.set(this.streams.size);
    if (this.streams.size === 0) this.stopTicking();
  }
}

/** Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html) for the console. */
export async function eventRoutes(app: App, ctx: AgentContext): Promise<void> {
  const limits = ctx.settings.events;
  const hub = new EventHub(ctx, limits);
  const off = ctx.users.onRevoked((ended) => hub.revoked(ended));
  // Before the server waits for its connections to end: an event stream never ends by itself.
  app.addHook('preClose', async () => {
    off();
    hub.closeAll();
  });

  app.post(
    '/events/tickets',
    {
      preHandler: allow(...EVERYONE),
      schema: {
        summary:
          'A one-use ticket (valid ~30 s) for GET /events?ticket=…, for clients that cannot send headers',
        response: {
          201: Type.Object({ ticket: Type.String(), expiresAt: Type.String() }),
          ...problems(...SECURED, 429),
        },
      },
    },
    async (req, reply) => {
      const caller = req.caller!;
      if (!req.callerToken)
        throw new EdgeError(ErrorCode.Auth_TicketNeedsToken, 'a ticket needs a bearer token');
      const issued = ctx.users.tickets.issue({ tokenHash: req.callerToken, username: caller.username });
      if (!issued) {
        reply.header('retry-after', String(Math.ceil(ctx.users.tickets.ttlMs / 1000)));
        throw new EdgeError(
          ErrorCode.Auth_TooManyTickets,
          'too many unused event tickets; use one, or wait until they expire',
        );
      }
      return reply.code(201).send(issued);
    },
  );

  app.get(
    '/events',
    {
      preHandler: allow(...EVERYONE),
      schema: {
        summary:
          'Live events (text/event-stream); Authorization header, or ?ticket= from POST /events/tickets',
        querystring: Type.Object({ ticket: Type.Optional(Type.String({ maxLength: 128 })) }),
        response: {
          200: {
            description: 'the live stream: `event: <name>` and `data: <JSON>` lines',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...problems(400, ...SECURED, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const caller = req.caller!;
      const refused = hub.refusal(caller.username);
      if (refused) {
        ctx.metrics.eventStreamsRefused.inc({ cap: refused });
        reply.header('retry-after', '30');
        if (refused === 'total')
          throw new EdgeError(
            ErrorCode.Events_TooManyStreams,
            `the agent serves at most ${limits.maxStreams} event streams at once (events.maxStreams); try again later`,
          );
        throw new EdgeError(
          ErrorCode.Events_TooManyUserStreams,
          `user '${caller.username}' has ${limits.maxStreamsPerUser} event streams open (events.maxStreamsPerUser); close one`,
        );
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 2000\n\n');
      hub.open(res, caller.username, req.callerToken);
    },
  );
}
