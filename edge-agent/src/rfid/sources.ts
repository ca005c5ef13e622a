import type { Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import type { AgentParts } from '../agent.js';
import type { EmbeddedBroker } from '../mqtt/broker.js';
import { clientIdentity, topicMatches } from '../mqtt/broker.js';
import type { RfidPipeline, TagEvent } from './pipeline.js';

/** Where reader messages come from: the embedded broker, an external one, or both. */
export interface ReaderSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The reader list changed (devices API). */
  refresh(): void;
}

/**
 * Readers connected to the embedded aedes broker. The broker has already authenticated the
 * client with the reader's own credentials and refused a publish outside its topic
 * (authorizePublish in mqtt/broker.ts), so the reader is known from the connection, never
 * from the topic: a reader cannot speak for another.
 */
export class EmbeddedReaderSource implements ReaderSource {
  private readonly onPublish = (
    packet: { topic: string; payload: Buffer | string },
    client: Client | null,
  ) => {
    const id = clientIdentity(client);
    if (id?.kind !== 'reader') return;
    this.pipeline.ingest(id.deviceId, packet.payload);
  };
  /** Live connections per reader: a reconnecting reader may overlap its old connection. */
  private readonly connections = new Map<string, Set<Client>>();
  private readonly onReady = (client: Client) => {
    const id = clientIdentity(client);
    if (id?.kind !== 'reader') return;
    let set = this.connections.get(id.deviceId);
    if (!set) {
      set = new Set();
      this.connections.set(id.deviceId, set);
    }
    set.add(client);
    this.parts.devices.setStatus(id.deviceId, 'online');
  };
  private readonly onGone = (client: Client) => {
    const id = clientIdentity(client);
    if (id?.kind !== 'reader') return;
    const set = this.connections.get(id.deviceId);
    set?.delete(client);
    if (!set || set.size === 0) this.parts.devices.setStatus(id.deviceId, 'offline');
  };

  constructor(
    private readonly broker: EmbeddedBroker,
    private readonly pipeline: RfidPipeline,
    private readonly parts: AgentParts,
  ) {}

  async start(): Promise<void> {
    const a = this.broker.aedes;
    a.on('publish', this.onPublish);
    a.on('clientReady', this.onReady);
    a.on('clientDisconnect', this.onGone);
  }

  async stop(): Promise<void> {
    const a = this.broker.aedes;
    a.off('publish', this.onPublish);
    a.off('clientReady', this.onReady);
    a.off('clientDisconnect', this.onGone);
  }

  refresh(): void {}
}

/**
 * The store's own broker (e.g. Mosquitto, `mqtt.url`): the agent connects as a client and
 * subscribes to each reader's topic. That broker's ACLs decide who may publish where; the
 * agent maps a topic to the reader configured for it.
 */
export class ExternalReaderSource implements ReaderSource {
  private client: MqttClient | null = null;
  private subscribed = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly pipeline: RfidPipeline,
    private readonly parts: AgentParts,
  ) {}

  async start(): Promise<void> {
    const { settings, log } = this.parts;
    const client = mqtt.connect(this.url, {
      username: settings.mqtt.username,
      password: settings.mqtt.password,
      clientId: `store-edge-${settings.storeId}-${process.pid}`,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
    });
    this.client = client;
    client.on('message', (topic, payload) => {
      for (const r of this.pipeline.allReaders()) {
        if (topicMatches(r.topic, topic)) {
          this.pipeline.ingest(r.id, payload);
          return;
        }
      }
    });
    client.on('connect', () => {
      log.info({ url: this.url }, 'connected to external MQTT broker');
      this.subscribed.clear();
      this.refresh();
    });
    client.on('offline', () => {
      // Without the broker the agent cannot hear any reader; say so rather than keep a stale "online".
      for (const r of this.pipeline.allReaders()) {
        if (this.parts.devices.status(r.id).status === 'online')
          this.parts.devices.setStatus(r.id, 'offline', { error: `broker ${this.url} unreachable` });
      }
    });
    client.on('error', (err) => log.warn({ err, url: this.url }, 'external MQTT broker error'));
    this.pipeline.external = (topic: string, ev: TagEvent) => {
      if (client.connected) client.publish(topic, JSON.stringify(ev), { qos: 1 });
    };
    // Start does not wait for the broker: a store's broker may come up after the agent.
  }

  /** Subscribes to topics of new readers, unsubscribes from removed ones. */
  refresh(): void {
    const client = this.client;
    if (!client?.connected) return;
    const want = new Set(this.pipeline.allReaders().map((r) => r.topic));
    const add = [...want].filter((t) => !this.subscribed.has(t));
    const drop = [...this.subscribed].filter((t) => !want.has(t));
    if (add.length > 0) {
      client.subscribe(add, { qos: 1 }, (err) => {
        if (err) this.parts.log.warn({ err, topics: add }, 'cannot subscribe to reader topics');
        else for (const t of add) this.subscribed.add(t);
      });
    }
    if (drop.length > 0) {
      client.unsubscribe(drop);
      for (const t of drop) this.subscribed.delete(t);
    }
  }

  async stop(): Promise<void> {
    this.pipeline.external = null;
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(true);
  }
}
