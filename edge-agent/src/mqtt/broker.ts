import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from '../observability/logger.js';
import { PortInUseError } from '../ports.js';

/** Who a connected MQTT client is, as decided at CONNECT. */
export type BrokerIdentity =
  | { kind: 'reader'; deviceId: string; topic: string }
  | { kind: 'user'; username: string; role: string };

export interface BrokerAuth {
  authenticate(username: string, password: string): Promise<BrokerIdentity | null>;
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

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
 * anonymous CONNECTs are refused with return code 4/5 (MQTT 3.1.1 §3.2.2.3). A reader may
 * publish only on its own topic; people and services may subscribe to the agent's topics.
 */
export class EmbeddedBroker {
  readonly aedes: Aedes;
  private server: Server | null = null;
  private listening = false;

  private constructor(
    aedes: Aedes,
    private readonly log: Logger,
  ) {
    this.aedes = aedes;
  }

  static async create(opts: { auth: BrokerAuth; storeId: string; log: Logger }): Promise<EmbeddedBroker> {
    const agentPrefix = `store-edge/${opts.storeId}/`;
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const refuse = (code: 4 | 5) => {
          const err = new Error(
            code === 4 ? 'bad user name or password' : 'not authorized',
          ) as AuthenticateError;
          err.returnCode = code;
          done(err, false);
        };
        if (!username || !password) return refuse(5);
        opts.auth
          .authenticate(username, password.toString('utf8'))
          .then((id) => {
            if (!id) return refuse(4);
            identities.set(client, id);
            done(null, true);
          })
          .catch(() => refuse(4));
      },
      authorizePublish: (client, packet, done) => {
        const id = client ? identities.get(client) : undefined;
        if (!id) return done(new Error('not authenticated'));
        if (id.kind === 'reader') {
          // A reader publishes on one topic message after message: match it once per connection.
          if (allowedTopic.get(client as Client) === packet.topic) return done(null);
          if (!topicMatches(id.topic, packet.topic))
            return done(new Error(`reader ${id.deviceId} may publish only on ${id.topic}`));
          allowedTopic.set(client as Client, packet.topic);
          return done(null);
        }
        // Only the agent publishes its normalized events.
        if (packet.topic.startsWith(agentPrefix))
          return done(new Error('store-edge/ topics are published by the agent only'));
        return id.role === 'admin' || id.role === 'device'
          ? done(null)
          : done(new Error('not allowed to publish'));
      },
      authorizeSubscribe: (client, sub, done) => {
        const id = client ? identities.get(client) : undefined;
        if (!id || id.kind === 'reader') return done(new Error('readers do not subscribe'), null);
        return done(null, sub);
      },
    });
    return new EmbeddedBroker(aedes, opts.log);
  }

  async listen(port: number, host = '0.0.0.0'): Promise<void> {
    const server = createServer(this.aedes.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'EADDRINUSE' ? new PortInUseError(port, 'STORE_EDGE_MQTT_PORT', 'MQTT broker') : err,
        );
      });
      server.listen(port, host, () => resolve());
    });
    this.listening = true;
    this.log.info({ port }, 'MQTT broker listening');
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
    const server = this.server;
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
