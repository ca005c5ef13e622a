import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { generatePassword } from './auth/passwords.js';
import { Users } from './auth/users.js';
import type { Settings } from './config/settings.js';
import type { AgentContext } from './context.js';
import { checkpointAndClose, type Db, openDatabase } from './db/database.js';
import { DeviceRegistry } from './devices/registry.js';
import { type DeviceValidator, deviceRoutes } from './devices/routes.js';
import { EventBus } from './events.js';
import { type App, buildHttpServer, type RoutePlugin } from './http/server.js';
import { Catalog } from './ledger/catalog.js';
import { DiskGuard } from './ledger/disk-guard.js';
import { fromRow, Ledger, type MovementRow } from './ledger/ledger.js';
import { outboxSummary } from './ledger/outbox.js';
import { Quarantine } from './ledger/quarantine.js';
import { WorkerLedgerWriter } from './ledger/worker-writer.js';
import { type BrokerIdentity, EmbeddedBroker, safeEqual } from './mqtt/broker.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { PortInUseError } from './ports.js';
import { extractGtin, parseCodeInfo } from './scanning/codes.js';
import { tsWorker } from './util/ts-worker.js';

/** A part of the agent with a life of its own (device drivers, the cloud shipper, the print queue). */
export interface Component {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AgentOptions {
  settings: Settings;
  log: Logger;
  clock?: () => Date;
  /** Prints the first-start banner (the generated admin password). Default: stdout. */
  announce?: (text: string) => void;
}

export interface AgentParts extends AgentContext {
  devices: DeviceRegistry;
  broker: EmbeddedBroker | null;
}

/**
 * The edge agent: opens the ledger, starts the broker and the HTTP API, and the components
 * that hang off them. `start()` either brings everything up or leaves nothing open.
 */
export class EdgeAgent {
  private db: Db | null = null;
  private writer: WorkerLedgerWriter | null = null;
  private checkpointer: Worker | null = null;
  private app: App | null = null;
  private broker: EmbeddedBroker | null = null;
  private ready = false;
  private components: Component[] = [];
  private readonly clock: () => Date;
  readonly events = new EventBus();
  readonly metrics = new Metrics();
  parts: AgentParts | null = null;
  /** The change feed, when a cloud is configured (the labels part listens for price changes). */
  feed: import('./replication/feed.js').ChangeFeed | null = null;

  /** The ledger writer thread (replication runs its operations there). */
  get ledgerWriter(): WorkerLedgerWriter | null {
    return this.writer;
  }

  constructor(private readonly opts: AgentOptions) {
    this.clock = opts.clock ?? (() => new Date());
  }

  get settings(): Settings {
    return this.opts.settings;
  }

  async start(): Promise<void> {
    const { settings, log } = this.opts;
    try {
      const file = join(settings.dataDir, 'ledger.sqlite');
      const db = openDatabase(file);
      this.db = db;
      const catalog = new Catalog(db, extractGtin);
      const ledger = new Ledger(db, catalog, this.clock);
      const committed = db.prepare<[number, number], MovementRow>(
        'SELECT * FROM movements WHERE seq BETWEEN ? AND ? ORDER BY seq',
      );
      const writer = new WorkerLedgerWriter(file, db, ledger, (from, to) =>
        committed.all(from, to).map(fromRow),
      );
      this.writer = writer;
      await writer.start();
      this.checkpointer = await tsWorker(
        new URL('./ledger/checkpointer.ts', import.meta.url),
        { file, intervalMs: 1000 },
        { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 },
      );
      const users = new Users(db, this.clock);
      const quarantine = new Quarantine(db, this.clock);
      const devices = new DeviceRegistry(db, this.events, this.clock);
      devices.seed(settings.devices as never);
      await this.bootstrapAdmin(users);

      const parts: AgentParts = {
        settings,
        db,
        catalog,
        ledger,
        writer,
        quarantine,
        users,
        events: this.events,
        metrics: this.metrics,
        log,
        clock: this.clock,
        isReady: () => this.ready,
        parseCode: parseCodeInfo,
        devices,
        broker: null,
        disk: new DiskGuard(
          settings.dataDir,
          settings.replication.diskWarnBytes,
          settings.replication.diskFloorBytes,
          this.metrics.diskFree,
        ),
      };
      this.metrics.outboxPending.set(outboxSummary(db).pending);
      this.parts = parts;
      await parts.disk.start();
      writer.onCommit = (commit) => {
        this.metrics.commitBatchSize.observe(commit.to - commit.from + 1);
        for (const [type, n] of Object.entries(commit.byType)) this.metrics.movementsTotal.inc({ type }, n);
        this.events.emit('committed', commit.to);
        // The movements themselves only for those who look at them (console, MQTT): read back
        // from the ledger, a few µs a movement, after the answers of this commit have gone out
        // (the writer posts this message before them).
        if (this.events.listenerCount('movements') > 0 || this.broker) {
          setImmediate(() => {
            const created = commit.movements();
            this.events.emit('movements', created);
            this.broker?.publish(`store-edge/${settings.storeId}/movements`, created);
          });
        }
      };

      if (settings.mqtt.port !== 0) {
        this.broker = await EmbeddedBroker.create({
          storeId: settings.storeId,
          log: log.child({ part: 'mqtt' }),
          auth: { authenticate: (u, p) => this.brokerLogin(parts, u, p) },
        });
        parts.broker = this.broker;
        await this.broker.listen(settings.mqtt.port, settings.http.host);
      }

      this.app = await buildHttpServer(
        parts,
        [deviceRoutes(devices, this.deviceValidators), ...this.routePlugins],
        this.rootRoutePlugins,
      );
      try {
        await this.app.listen({ port: settings.http.port, host: settings.http.host });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new PortInUseError(settings.http.port, 'STORE_EDGE_HTTP_PORT', 'HTTP API and console');
        }
        throw err;
      }
      for (const c of this.components) {
        await c.start();
      }
      this.ready = true;
      log.info(
        { http: this.httpAddress, mqtt: settings.mqtt.port || 'off', storeId: settings.storeId },
        'edge agent ready',
      );
    } catch (err) {
      await this.stop().catch(() => {});
      throw err;
    }
  }

  private readonly routePlugins: RoutePlugin[] = [];
  private readonly rootRoutePlugins: RoutePlugin[] = [];
  private readonly deviceValidators = new Map<string, DeviceValidator>();

  /** A driver module declares how to check its device kind's fields (PUT /devices/{id}). */
  addDeviceKind(kind: string, validate: DeviceValidator): void {
    this.deviceValidators.set(kind, validate);
  }

  /** Adds routes before start (devices, scans, RFID, printing, the console). */
  addRoutes(plugin: RoutePlugin): void {
    this.routePlugins.push(plugin);
  }

  /** Adds routes outside `/api/v1` and without authentication (the console's static files). */
  addRootRoutes(plugin: RoutePlugin): void {
    this.rootRoutePlugins.push(plugin);
  }

  /** Adds a component; started after the API listens, stopped before it closes. */
  addComponent(c: Component): void {
    this.components.push(c);
  }

  get httpAddress(): string {
    const addr = this.app?.server.address();
    if (addr && typeof addr === 'object') {
      const host = addr.address === '0.0.0.0' || addr.address === '::' ? 'localhost' : addr.address;
      return `http://${host}:${addr.port}`;
    }
    return '';
  }

  private async brokerLogin(
    parts: AgentParts,
    username: string,
    password: string,
  ): Promise<BrokerIdentity | null> {
    for (const reader of parts.devices.configs('rfid-reader')) {
      if (
        reader.username === username &&
        typeof reader.password === 'string' &&
        safeEqual(reader.password, password)
      ) {
        return {
          kind: 'reader',
          deviceId: reader.id,
          topic: typeof reader.topic === 'string' ? reader.topic : `readers/${reader.id}/#`,
        };
      }
    }
    const issued = await parts.users.login(username, password);
    if (!issued) return null;
    return { kind: 'user', username, role: issued.role };
  }

  private async bootstrapAdmin(users: Users): Promise<void> {
    if (users.count() > 0) return;
    const configured = this.opts.settings.adminPassword;
    const password = configured ?? generatePassword();
    await users.create('admin', password, 'admin');
    const host = this.opts.settings.http.host === '0.0.0.0' ? 'localhost' : this.opts.settings.http.host;
    const url = `http://${host}:${this.opts.settings.http.port}/`;
    const lines = configured
      ? [
          'First start: user "admin" created with the password from STORE_EDGE_ADMIN_PASSWORD.',
          `Console: ${url}`,
        ]
      : [
          'First start: user "admin" created.',
          `  username: admin`,
          `  password: ${password}`,
          `Console: ${url}`,
          'This password is shown only this once. Keep it, or set STORE_EDGE_ADMIN_PASSWORD before the first start.',
        ];
    const width = Math.max(...lines.map((l) => l.length)) + 4;
    const bar = '='.repeat(width);
    const text = `\n${bar}\n${lines.map((l) => `  ${l}`).join('\n')}\n${bar}\n\n`;
    (this.opts.announce ?? ((t: string) => process.stdout.write(t)))(text);
  }

  /** Graceful: stop accepting, finish in-flight requests, close the broker, checkpoint and close SQLite. */
  async stop(): Promise<void> {
    this.ready = false;
    for (const c of [...this.components].reverse()) {
      await c
        .stop()
        .catch((err: unknown) => this.opts.log.warn({ err, component: c.name }, 'component stop failed'));
    }
    if (this.app) {
      await this.app.close();
      this.app = null;
    }
    if (this.broker) {
      await this.broker.close();
      this.broker = null;
    }
    this.parts?.disk.stop();
    if (this.writer) {
      await this.writer.stop();
      this.writer = null;
    }
    if (this.checkpointer) {
      await this.checkpointer.terminate();
      this.checkpointer = null;
    }
    if (this.db) {
      checkpointAndClose(this.db);
      this.db = null;
    }
  }
}
