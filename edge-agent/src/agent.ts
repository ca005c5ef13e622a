import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { LoginLimiter } from './auth/login-limiter.js';
import { generatePassword, verifyPassword } from './auth/passwords.js';
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
import { type BrokerIdentity, type BrokerLogin, EmbeddedBroker } from './mqtt/broker.js';
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
  /** One limiter for every way in (HTTP logins, MQTT CONNECTs): failures over one count for the other. */
  readonly loginLimiter = new LoginLimiter();
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
      const users = new Users(db, this.clock, { maxTokensPerUser: settings.auth.maxTokensPerUser });
      const quarantine = new Quarantine(db, this.clock);
      const devices = new DeviceRegistry(db, this.events, this.clock);
      await devices.seed(settings.devices as never);
      await this.bootstrapAdmin(users);

      const parts: AgentParts = {
        settings,
        db,
        catalog,
        ledger,
        writer,
        quarantine,
        users,
        loginLimiter: this.loginLimiter,
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

      const tls =
        settings.tls.cert && settings.tls.key ? { cert: settings.tls.cert, key: settings.tls.key } : null;
      // With TLS configured readers use MQTTS; plain MQTT stays only when asked for (old
      // readers that cannot do TLS), so credentials do not cross the store Wi-Fi in clear.
      const mqtts = tls !== null && settings.mqtt.tlsPort !== 0;
      const plainMqtt = tls === null || settings.mqtt.plainWithTls;
      if (settings.mqtt.port !== 0 && (mqtts || plainMqtt)) {
        this.broker = await EmbeddedBroker.create({
          storeId: settings.storeId,
          log: log.child({ part: 'mqtt' }),
          auth: { authenticate: (u, p, address) => this.brokerLogin(parts, u, p, address) },
          limits: {
            maxPacketBytes: settings.mqtt.maxPacketBytes,
            connectTimeoutMs: settings.mqtt.connectTimeoutMs,
          },
          metrics: this.metrics,
        });
        parts.broker = this.broker;
        if (mqtts && tls) {
          await this.broker.listenTls(settings.mqtt.tlsPort, settings.http.host, {
            cert: readFileSync(tls.cert),
            key: readFileSync(tls.key),
          });
        }
        if (plainMqtt) await this.broker.listen(settings.mqtt.port, settings.http.host);
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

  private get scheme(): 'http' | 'https' {
    return this.opts.settings.tls.cert && this.opts.settings.tls.key ? 'https' : 'http';
  }

  get httpAddress(): string {
    const addr = this.app?.server.address();
    if (addr && typeof addr === 'object') {
      const host = addr.address === '0.0.0.0' || addr.address === '::' ? 'localhost' : addr.address;
      return `${this.scheme}://${host}:${addr.port}`;
    }
    return '';
  }

  /**
   * An MQTT CONNECT's credentials: a reader's (its device entry, password hashed) or a user's.
   * Through the same limiter as HTTP logins, and no API token is issued.
   */
  private async brokerLogin(
    parts: AgentParts,
    username: string,
    password: string,
    address: string | undefined,
  ): Promise<BrokerLogin> {
    const outcome = await parts.loginLimiter.attempt(
      { username, address },
      async (): Promise<BrokerIdentity | null> => {
        const readers = parts.devices.configs('rfid-reader').filter((r) => r.username === username);
        // A reader's user name is its login on the broker; it shadows a user of the same name.
        if (readers.length > 0) {
          for (const reader of readers) {
            if (typeof reader.passwordHash !== 'string') continue;
            if (await verifyPassword(password, reader.passwordHash))
              return {
                kind: 'reader',
                deviceId: reader.id,
                topic: typeof reader.topic === 'string' ? reader.topic : `readers/${reader.id}/#`,
              };
          }
          return null;
        }
        const who = await parts.users.verify(username, password);
        return who ? { kind: 'user', username, role: who.role } : null;
      },
    );
    return outcome.kind === 'ok' ? { kind: 'ok', id: outcome.value } : outcome;
  }

  private async bootstrapAdmin(users: Users): Promise<void> {
    if (users.count() > 0) return;
    const configured = this.opts.settings.adminPassword;
    const password = configured ?? generatePassword();
    await users.create('admin', password, 'admin');
    const host = this.opts.settings.http.host === '0.0.0.0' ? 'localhost' : this.opts.settings.http.host;
    const url = `${this.scheme}://${host}:${this.opts.settings.http.port}/`;
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
