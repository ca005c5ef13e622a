import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { PortInUseError } from '../ports.js';
import { FrameGuard } from './frame-guard.js';

/** Who a connected MQTT client is, as decided at CONNECT. */
export type BrokerIdentity =
  | { kind: 'reader'; deviceId: string; topic: string }
  | { kind: 'user'; username: string; role: string };

/** A CONNECT's credentials checked: who it is, a wrong password, or refused unchecked (locked out). */
export type BrokerLogin = { kind: 'ok'; id: BrokerIdentity } | { kind: 'wrong' } | { kind: 'locked' };

export interface BrokerAuth {
  /** `address` is the client's IP address (the login limiter counts failures per address too). */
  authenticate(username: string, password: string, address: string | undefined): Promise<BrokerLogin>;
}

export interface BrokerLimits {
  /** Largest MQTT packet (fixed header's remaining length) accepted from a client. */
  maxPacketBytes: number;
  /** A connection that has not completed its CONNECT (TLS handshake included) by then is dropped. */
  connectTimeoutMs: number;
}

/**
 * A CONNECT carries a client id, credentials and perhaps a will: a few hundred bytes. Before a
 * client has authenticated it gets no more than this, whatever maxPacketBytes says.
 */
export const CONNECT_MAX_BYTES = 16 * 1024;
const MAX_USERNAME = 128;
const MAX_PASSWORD = 1024;
/** Connections per listener; beyond it the kernel's backlog holds (then refuses) new ones. */
const MAX_CONNECTIONS = 1024;

/** MQTT topic filter match (MQTT 3.1.1 §4.7: '+' one level, '#' the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const identities = new WeakMap<Client, BrokerIdentity>();
/** The topic a reader's connection last published on and was allowed to. */
const allowedTopic = new WeakMap<Client, string>();

/** Who an authenticated client is (set at CONNECT); undefined for the broker's own publishes. */
export function clientIdentity(client: Client | null | undefined): BrokerIdentity | undefined {
  return client ? identities.get(client) : undefined;
}

/**
 * The embedded broker (aedes). Every client must authenticate (CONTRACT.md "Edge MQTT"):
 * anonymous CONNECTs are refused with return code 5, a wrong password with 4, a user or
 * address locked out by the login limiter with 3 (MQTT 3.1.1 §3.2.2.3), without the password
 * being checked. A reader may publish only on its own topic and subscribes to nothing; people
 * and services subscribe under `store-edge/{storeId}/` and publish nothing; only the agent
 * publishes under `store-edge/`. Nothing is retained and no session outlives its connection:
 * a client cannot make the agent hold messages for it.
 */
export class EmbeddedBroker {
  readonly aedes: Aedes;
  private readonly servers: Server[] = [];
  private listening = false;

  private constructor(
    aedes: Aedes,
    private readonly log: Logger,
    private readonly limits: BrokerLimits,
    private readonly metrics: Metrics | undefined,
  ) {
    this.aedes = aedes;
  }

  static async create(opts: {
    auth: BrokerAuth;
    storeId: string;
    log: Logger;
    limits: BrokerLimits;
    metrics?: Metrics;
  }): Promise<EmbeddedBroker> {
    const agentPrefix = 'store-edge/';
    const userPrefix = `store-edge/${opts.storeId}/`;
    const aedes = await Aedes.createBroker({
      connectTimeout: opts.limits.connectTimeoutMs,
      preConnect: (_client, packet, done) => {
        // Persistent sessions would have the agent queue every event for a client that went
        // away, without bound (the broker keeps sessions in memory): every session is clean.
        packet.clean = true;
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        const refuse = (code: 3 | 4 | 5) => {
          const err = new Error(
            code === 4
              ? 'bad user name or password'
              : code === 3
                ? 'too many failed logins'
                : 'not authorized',
          ) as AuthenticateError;
          err.returnCode = code;
          done(err, false);
        };
        if (!username || !password) return refuse(5);
        // The same bounds as POST /auth/token: no user has a longer name or password, and the
        // login limiter keeps names as keys.
        if (username.length > MAX_USERNAME || password.length > MAX_PASSWORD) return refuse(4);
        const address = (client.conn as Partial<Socket>).remoteAddress;
        opts.auth
          .authenticate(username, password.toString('utf8'), address)
          .then((login) => {
            if (login.kind === 'locked') {
              opts.metrics?.loginsRefused.inc({ via: 'mqtt' });
              return refuse(3);
            }
            if (login.kind === 'wrong') {
              opts.metrics?.loginFailures.inc();
              return refuse(4);
            }
            identities.set(client, login.id);
            done(null, true);
          })
          .catch(() => refuse(4));
      },
      authorizePublish: (client, packet, done) => {
        const id = client ? identities.get(client) : undefined;
        if (!id) return done(new Error('not authenticated'));
        // Nobody could read a retained message (users subscribe only under store-edge/, where
        // only the agent publishes): keep none, so clients cannot fill the broker's memory.
        packet.retain = false;
        if (id.kind !== 'reader') return done(new Error('only readers publish; users subscribe'));
        // A reader publishes on one topic message after message: match it once per connection.
        if (allowedTopic.get(client as Client) === packet.topic) return done(null);
        // MQTT 3.1.1 §4.7.2: '$' topics are the server's; store-edge/ is the agent's, even
        // for a reader whose configured topic is a wildcard.
        if (packet.topic.startsWith('$') || packet.topic.startsWith(agentPrefix))
          return done(new Error(`${packet.topic} is published by the agent only`));
        if (!topicMatches(id.topic, packet.topic))
          return done(new Error(`reader ${id.deviceId} may publish only on ${id.topic}`));
        allowedTopic.set(client as Client, packet.topic);
        return done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const id = identities.get(client);
        // A null subscription is refused with SUBACK return code 0x80 (MQTT 3.1.1 §3.9.3); the
        // connection stays.
        if (!id || id.kind === 'reader') return done(null, null);
        if (!sub.topic.startsWith(userPrefix)) return done(null, null);
        return done(null, sub);
      },
    });
    aedes.on('connectionError', (_client, err) => {
      if (/connect did not arrive in time/.test(err.message))
        opts.metrics?.mqttDropped.inc({ reason: 'connect_timeout' });
    });
    return new EmbeddedBroker(aedes, opts.log, opts.limits, opts.metrics);
  }

  /** Plain MQTT (1883). */
  async listen(port: number, host = '0.0.0.0'): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await this.start(server, port, host, 'STORE_EDGE_MQTT_PORT', 'MQTT broker');
  }

  /** MQTT over TLS (8883, RFC 5246/8446; MQTT 3.1.1 §5.1). */
  async listenTls(port: number, host: string, tls: { cert: Buffer; key: Buffer }): Promise<void> {
    const server = createTlsServer(
      { cert: tls.cert, key: tls.key, handshakeTimeout: this.limits.connectTimeoutMs },
      (socket) => this.accept(socket),
    );
    await this.start(server, port, host, 'STORE_EDGE_MQTTS_PORT', 'MQTTS broker');
  }

  private async start(server: Server, port: number, host: string, setting: string, what: string) {
    server.maxConnections = MAX_CONNECTIONS;
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, setting, what) : err);
      });
      server.listen(port, host, () => resolve());
    });
    server.on('error', (err) => this.log.error({ err }, `${what} error`));
    this.listening = true;
    const addr = server.address();
    this.log.info({ port: typeof addr === 'object' && addr ? addr.port : port }, `${what} listening`);
  }

  /**
   * Checks every packet's declared size as its fixed header arrives (MQTT 3.1.1 §2.2.3), before
   * aedes' parser buffers the body: a client declaring a huge packet is cut off after a few
   * bytes, authenticated or not. aedes reads the socket only through read(); the check sits there.
   */
  private accept(socket: Socket): void {
    const guard = new FrameGuard({
      connectMaxBytes: CONNECT_MAX_BYTES,
      maxPacketBytes: this.limits.maxPacketBytes,
    });
    const read = socket.read.bind(socket);
    socket.read = (size?: number) => {
      const buf: unknown = read(size);
      if (!Buffer.isBuffer(buf)) return buf;
      const problem = guard.feed(buf);
      if (!problem) return buf;
      this.metrics?.mqttDropped.inc({ reason: problem.reason });
      this.log.warn({ address: socket.remoteAddress, ...problem }, 'MQTT connection dropped');
      socket.destroy();
      return null;
    };
    socket.on('error', () => {});
    this.aedes.handle(socket);
  }

  get isListening(): boolean {
    return this.listening;
  }

  /** Publishes an agent event to in-store consumers (QoS 1). */
  publish(topic: string, payload: unknown): void {
    this.aedes.publish(
      {
        cmd: 'publish',
        topic,
        payload: Buffer.from(JSON.stringify(payload)),
        qos: 1,
        retain: false,
        dup: false,
      },
      () => {},
    );
  }

  async close(): Promise<void> {
    this.listening = false;
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    for (const server of this.servers.splice(0)) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
