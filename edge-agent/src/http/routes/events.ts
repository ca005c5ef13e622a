import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import type { RevokedSessions } from '../../auth/users.js';
import type { AgentContext } from '../../context.js';
import { EdgeError, ErrorCode } from '../../errors.js';
import type { AgentEvents } from '../../events.js';
import { allow, EVERYONE } from '../auth.js';
import { problems, SECURED } from '../schemas.js';
import type { App } from '../server.js';

const FORWARDED: Array<keyof AgentEvents> = ['movements', 'scan', 'device', 'replication', 'tags', 'print'];

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
 * The open event streams. Each event is serialized once and written to every stream; a stream
 * whose reader has fallen more than `maxBufferedBytes` behind is closed (and counted), so a
 * client that never reads costs at most that much memory. Listens on the agent's events only
 * while a stream is open (movements are read back from the ledger only for listeners).
 */
export class EventHub {
  private readonly streams = new Set<Stream>();
  private readonly perUser = new Map<string, number>();
  private readonly offs: Array<() => void> = [];
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
    if (this.streams.size === 1) this.attach();
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

  private attach(): void {
    for (const name of FORWARDED) {
      const listener = (payload: unknown) =>
        this.broadcast(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
      this.ctx.events.on(name, listener as never);
      this.offs.push(() => this.ctx.events.off(name, listener as never));
    }
    this.tick = setInterval(() => this.onTick(), TICK_MS);
    this.tick.unref();
  }

  private detach(): void {
    for (const off of this.offs.splice(0)) off();
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
  }

  private broadcast(text: string): void {
    // One buffer for all streams: a socket that takes only part of a write keeps a reference to
    // the rest of a buffer, where it would keep its own copy of the rest of a string.
    const chunk = Buffer.from(text);
    for (const s of this.streams) this.send(s, chunk);
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
    this.streams.delete(s);
    const n = (this.perUser.get(s.username) ?? 1) - 1;
    if (n <= 0) this.perUser.delete(s.username);
    else this.perUser.set(s.username, n);
    this.ctx.metrics.eventStreams.set(this.streams.size);
    if (this.streams.size === 0) this.detach();
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
