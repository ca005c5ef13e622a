import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { defineFeature } from '../feature.js';
import { ensureConsoleBuilt } from './bundle.js';

/** Paths the console never answers with its page: the API and the agent's own endpoints. */
const NOT_CONSOLE = /^\/(api|docs|healthz|readyz|metrics)(\/|$|\?)/;

/**
 * The store console at `/`: the built single-page app, served from disk with @fastify/static,
 * and `index.html` for any other page path (the app routes in the browser). Everything is
 * local: a store without internet has a working console.
 */
export const consoleFeature = defineFeature({
  name: 'console',
  create: () => ({
    service: undefined,
    rootRoutes: async (app, ctx) => {
      let root: string | null = null;
      try {
        root = await ensureConsoleBuilt({ fallbackDir: join(ctx.settings.dataDir, 'console') });
      } catch (err) {
        ctx.log.error({ err }, 'console build failed; the API works, the console page does not');
      }
      if (!root) {
        app.get('/', async (_req, reply) =>
          reply
            .code(503)
            .type('text/plain; charset=utf-8')
            .send('The console is not built. Run `npm run build:console` and restart the agent.\n'),
        );
        return;
      }
      const dir = root;
      await app.register(async (scope) => {
        await scope.register(fastifyStatic, {
          root: dir,
          wildcard: false,
          index: false,
          globIgnore: ['build.json', '**/*.tmp'],
          // Revalidate every time (ETag): an agent upgrade shows the new console at once.
          cacheControl: false,
          setHeaders: (res) => res.setHeader('cache-control', 'no-cache'),
        });
        const page = (
          req: { url: string },
          reply: {
            callNotFound(): void;
            sendFile(f: string): unknown;
            header(k: string, v: string): unknown;
          },
        ) => {
          const path = req.url.split('?')[0] ?? '/';
          // A missing asset (has an extension) or an API path stays a 404, not the app's page.
          if (NOT_CONSOLE.test(path) || /\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
          reply.header('cache-control', 'no-cache');
          return reply.sendFile('index.html');
        };
        scope.get('/', page as never);
        scope.get('/*', page as never);
      });
    },
  }),
});
