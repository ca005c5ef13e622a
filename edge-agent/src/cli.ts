import { parseArgs } from 'node:util';
import { EdgeAgent } from './agent.js';
import { loadSettings, SettingsError } from './config/settings.js';
import { createLogger } from './observability/logger.js';
import { PortInUseError } from './ports.js';

const SHUTDOWN_DEADLINE_MS = 5000;

/** `store-edge edge [backup --out FILE]` */
export async function edgeCli(argv: string[]): Promise<void> {
  if (argv[0] === 'backup') {
    const { backupCli } = await import('./backup.js');
    await backupCli(argv.slice(1));
    return;
  }
  const { values } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('store-edge edge            run the edge agent (settings: docs/configuration.md)\n');
    process.stdout.write('store-edge edge backup --out FILE   online backup of the ledger\n');
    return;
  }

  let settings: ReturnType<typeof loadSettings>;
  try {
    settings = loadSettings();
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`store-edge: the settings are invalid, nothing was started:\n`);
      for (const p of err.problems) process.stderr.write(`- ${p.path}: ${p.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const log = createLogger(settings.logLevel);
  const { edgeFeatures } = await import('./features.js');
  const agent = new EdgeAgent({ settings, log, features: edgeFeatures() });
  try {
    await agent.start();
  } catch (err) {
    if (err instanceof PortInUseError) {
      process.stderr.write(`store-edge: ${err.message}\n`);
    } else {
      log.fatal({ err }, 'the edge agent could not start');
    }
    process.exit(1);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took longer than 5 s; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    force.unref();
    agent
      .stop()
      .then(() => {
        log.info('stopped');
        log.flush?.();
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
