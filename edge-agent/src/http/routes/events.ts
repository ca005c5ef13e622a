import type { AgentContext } from '../../context.js';
import type { AgentEvents } from '../../events.js';
import { allow, EVERYONE } from '../auth.js';
import type { App } from '../server.js';

const FORWARDED: Array<keyof AgentEvents> = ['movements', 'scan', 'device', 'replication', 'tags', 'print'];

/** Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html) for the console. */
export async function eventRoutes(app: App, ctx: AgentContext): Promise<void> {
  app.get(
    '/events',
    { preHandler: allow(...EVERYONE), schema: { summary: 'Live events (text/event-stream)' } },
    (req, reply) => {
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      reply.raw.write('retry: 2000\n\n');
      const offs: Array<() => void> = [];
      for (const name of FORWARDED) {
        const listener = (payload: unknown) => {
          reply.raw.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
        };
        ctx.events.on(name, listener as never);
        offs.push(() => ctx.events.off(name, listener as never));
      }
      const ping = setInterval(() => reply.raw.write(': ping\n\n'), 15_000);
      const close = () => {
        clearInterval(ping);
        for (const off of offs) off();
      };
      req.raw.on('close', close);
      reply.hijack();
    },
  );
}
