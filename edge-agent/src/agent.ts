import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { LoginLimiter } from './auth/login-limiter.js';
import { generatePassword, verifyPassword } from './auth/passwords.js';
import { Users } from './auth/users.js';
import type { Settings } from './config/settings.js';
import type { AgentContext, AgentCore } from './context.js';
import { checkpointAndClose, type Db, openDatabase } from './db/database.js';
import { DeviceRegistry } from './devices/registry.js';
import { type DeviceValidator, deviceRoutes } from './devices/routes.js';
import { EventBus } from './events.js';
import {
  type AnyFeatureDefinition,
  type EdgeServices,
  type Feature,
  type FeatureName,
  startOrder,
} from './feature.js';
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
import { FeedHandlers } from './replication/feed-handlers.js';
import { extractGtin, parseCodeInfo } from './scanning/codes.js';
import { tsWorker } from './util/ts-worker.js';

/** A part of a feature with a life of its own (the cloud shipper, the change feed). */
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
  /** The features to build once the core is open (features.ts `edgeFeatures()`); default none. */
  features?: readonly AnyFeatureDefinition[];
}

/** What features are built with: the agent's core (context.ts). */
export type AgentParts = AgentCore;

/**
 * The edge agent: opens the ledger and starts the broker (the core), builds the features with
 * the core, then starts the HTTP API and the features. `start()` either brings everything up or
 * leaves nothing open; `stop()` stops the features in reverse, then the core.
 */
export class EdgeAgent {
  private db: Db | null = null;
  private writer: WorkerLedgerWriter | null = null;
  private checkpointer: Worker | null = null;
  private app: App | null = null;
  private broker: EmbeddedBroker | null = null;
  private disk: DiskGuard | null = null;
  private ready = false;
  /** Built features in start order (stopped in reverse). */
  private features: Array<{ name: FeatureName; feature: Feature }> = [];
  private readonly services = new Map<FeatureName, unknown>();
  private core: AgentCore | null = null;
  private readonly clock: () => Date;
  readonly events = new EventBus();
  readonly metrics = new Metrics();
  /** One limiter for every way in (HTTP logins, MQTT CONNECTs): failures over one count for the other. */
  readonly loginLimiter = new LoginLimiter();

  /** The core once started (tests look into the ledger, users, devices through it). */
  get parts(): AgentParts | null {
    return this.core;
  }

  /** A running feature's service (undefined when the feature is not registered or is off). */
  service<K extends FeatureName>(name: K): EdgeServices[K] | undefined {
    return this.services.get(name) as EdgeServices[K] | undefined;
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
      writer.onLog = (level, message, data) => log[level]({ part: 'ledger-writer', ...data }, message);
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

      this.metrics.outboxPending.set(outboxSummary(db).pending);
      const disk = new DiskGuard(
        settings.dataDir,
        settings.replication.diskWarnBytes,
        settings.replication.diskFloorBytes,
        this.metrics.diskFree,
      );
      this.disk = disk;
      await disk.start();
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
          auth: { authenticate: (u, p, address) => this.brokerLogin(devices, users, u, p, address) },
          limits: {
            maxPacketBytes: settings.mqtt.maxPacketBytes,
            connectTimeoutMs: settings.mqtt.connectTimeoutMs,
          },
          metrics: this.metrics,
        });
        if (mqtts && tls) {
          await this.broker.listenTls(settings.mqtt.tlsPort, settings.http.host, {
            cert: readFileSync(tls.cert),
            key: readFileSync(tls.key),
          });
        }
        if (plainMqtt) await this.broker.listen(settings.mqtt.port, settings.http.host);
      }

      const core: AgentCore = {
        settings,
        db,
        catalog,
        ledger,
        writer,
        replica: writer,
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
        broker: this.broker,
        disk,
        feedHandlers: new FeedHandlers(),
      };
      this.core = core;

      const validators = new Map<string, DeviceValidator>();
      const routes: RoutePlugin[] = [deviceRoutes(devices, validators)];
      const rootRoutes: RoutePlugin[] = [];
      for (const { name, feature } of this.build(core)) {
        for (const [kind, validate] of Object.entries(feature.deviceKinds ?? {})) {
          if (validators.has(kind)) throw new Error(`device kind '${kind}' of feature '${name}' is taken`);
          validators.set(kind, validate);
        }
        if (feature.routes) routes.push(feature.routes);
        if (feature.rootRoutes) rootRoutes.push(feature.rootRoutes);
      }
      const ctx: AgentContext = {
        ...core,
        replication: this.service('replication'),
        prices: this.service('prices'),
      };

      this.app = await buildHttpServer(ctx, routes, rootRoutes);
      try {
        await this.app.listen({ port: settings.http.port, host: settings.http.host });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new PortInUseError(settings.http.port, 'STORE_EDGE_HTTP_PORT', 'HTTP API and console');
        }
        throw err;
      }
      for (const { feature } of this.features) await feature.start?.();
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

  /** Builds the features in start order, each with the services of those it needs. */
  private build(core: AgentCore): Array<{ name: FeatureName; feature: Feature }> {
    for (const definition of startOrder(this.opts.features ?? [])) {
      const needed: Record<string, unknown> = {};
      for (const n of definition.needs ?? []) {
        if (!this.services.has(n)) throw new Error(`feature '${definition.name}' needs '${n}', which is off`);
        needed[n] = this.services.get(n);
      }
      const feature = definition.create(core, needed as never);
      if (!feature) continue;
      this.services.set(definition.name, feature.service);
      this.features.push({ name: definition.name, feature });
    }
    return this.features;
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
    devices: DeviceRegistry,
    users: Users,
    username: string,
    password: string,
    address: string | undefined,
  ): Promise<BrokerLogin> {
    const outcome = await this.loginLimiter.attempt(
      { username, address },
      async (): Promise<BrokerIdentity | null> => {
        const readers = devices.configs('rfid-reader').filter((r) => r.username === username);
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
        const who = await users.verify(username, password);
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
    for (const { name, feature } of this.features.splice(0).reverse()) {
      await feature
        .stop?.()
        .catch((err: unknown) => this.opts.log.warn({ err, component: name }, 'component stop failed'));
    }
    this.services.clear();
    if (this.app) {
      await this.app.close();
      this.app = null;
    }
    if (this.broker) {
      await this.broker.close();
      this.broker = null;
    }
    this.disk?.stop();
    this.disk = null;
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
