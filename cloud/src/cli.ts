import { loadConfig } from './config.js';
import { migrate, redact } from './migrate.js';
import { CloudService } from './server.js';

const usage = `usage: store-edge cloud [--no-migrate]
       store-edge cloud migrate
       store-edge cloud replenish (--tenant ID ... | --all-tenants) [--max-lag-minutes N]

Environment: STORE_EDGE_ADMIN_TOKEN (required), STORE_EDGE_MYSQL_URL
(default mysql://root@127.0.0.1:3306/store_edge), STORE_EDGE_CLOUD_PORT (8090).
`;

/** `store-edge cloud ...` (CONTRACT.md "Command line"). */
export async function cloudCli(argv: string[]): Promise<void> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(usage);
    return;
  }
  if (argv[0] === 'replenish') {
    const { replenishCli } = await import('./replenishment/cli.js');
    process.exitCode = await replenishCli(argv.slice(1), {
      env: process.env,
      out: (line) => process.stdout.write(line),
      err: (line) => process.stderr.write(line),
    });
    return;
  }
  if (argv[0] === 'migrate') {
    const url = process.env.STORE_EDGE_MYSQL_URL || 'mysql://root@127.0.0.1:3306/store_edge';
    try {
      const { applied, database } = await migrate(url);
      process.stdout.write(
        applied.length > 0
          ? `applied ${applied.length} migration(s) to ${database}: ${applied.join(', ')}\n`
          : `${database} is up to date\n`,
      );
    } catch (err) {
      process.stderr.write(`store-edge cloud migrate: ${redact(url)}: ${errorText(err)}\n`);
      process.exitCode = 1;
    }
    return;
  }
  const unknown = argv.filter((a) => a !== '--no-migrate');
  if (unknown.length > 0) {
    process.stderr.write(`store-edge cloud: unknown argument '${unknown[0]}'\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(
      `store-edge cloud: invalid settings, not starting:\n${loaded.problems.map((p) => `- ${p}\n`).join('')}`,
    );
    process.exitCode = 1;
    return;
  }
  const service = new CloudService({ config: loaded.config, migrate: !argv.includes('--no-migrate') });
  try {
    await service.start();
  } catch (err) {
    process.stderr.write(`store-edge cloud: could not start: ${errorText(err)}\n`);
    await service.stop().catch(() => {});
    process.exitCode = 1;
    return;
  }
  await new Promise<void>((resolve) => {
    const shutdown = () => {
      process.off('SIGTERM', shutdown);
      process.off('SIGINT', shutdown);
      service.log.info('shutting down');
      // A failed stop is logged and exits 1 (it was an unhandled rejection, which also exited 1).
      service
        .stop()
        .catch((err: unknown) => {
          service.log.error({ err }, 'shutdown failed');
          process.exitCode = 1;
        })
        .finally(resolve);
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
