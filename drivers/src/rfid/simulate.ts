import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import type { ReaderFormat } from './parsers/index.js';
import {
  buildImpinjEvents,
  buildZebraBatch,
  demoGtins,
  makeTagPopulation,
  type SimulatedRead,
} from './payloads.js';

export {
  buildImpinjEvents,
  buildZebraBatch,
  demoGtins,
  type ImpinjEventOptions,
  makeTagPopulation,
  type SimulatedRead,
  type ZebraBatchOptions,
} from './payloads.js';

/** Longest a partial Zebra batch waits before it is sent anyway. */
const LINGER_MS = 500;

const USAGE = `usage: store-edge simulate rfid --format zebra-iot|impinj-iot [--url mqtt://host:port]
         [--tags N] [--rate R] [--topic T] [--username U --password P] [--batch B] [--duration S]
         [--reader-id ID] [--gtins G] [--antennas A] [--qos 0|1]
  --url        broker (default mqtt://127.0.0.1:1883)
  --tags       distinct tags in the field (default 100)
  --rate       reads per second over all tags (default 100)
  --topic      default zebra/<reader-id>/data or impinj/<reader-id>/events
  --batch      Zebra: reads per MQTT message, a JSON array (default 20; 1 sends single objects)
               Impinj always publishes one event per message
  --duration   seconds; default: until Ctrl-C
  --gtins      how many GTINs the SGTIN-96 EPCs are made from (default 3)
`;

/** What the simulator publishes through; the default wraps mqtt.js. */
export interface RfidPublisher {
  publish(topic: string, payload: string): Promise<void>;
  end(): Promise<void>;
}

export interface SimulateRfidDeps {
  connect?: (
    url: string,
    options: { username?: string; password?: string; qos: 0 | 1 },
  ) => Promise<RfidPublisher>;
  /** Progress and totals, one line each. Default: stdout. */
  out?: (line: string) => void;
  /** Stops the simulation early (as Ctrl-C does). */
  signal?: AbortSignal;
}

export interface SimulateRfidTotals {
  reads: number;
  messages: number;
  seconds: number;
  gtins: string[];
}

interface SimOptions {
  format: ReaderFormat;
  url: string;
  tags: number;
  rate: number;
  topic: string;
  username: string | undefined;
  password: string | undefined;
  batch: number;
  durationMs: number;
  readerId: string;
  gtins: number;
  antennas: number;
  qos: 0 | 1;
}

/**
 * `store-edge simulate rfid …`: publishes realistic reader payloads to an MQTT broker for
 * demos and benchmarks. `argv` is what follows `simulate rfid` (a leading `rfid` is skipped).
 * Sets `process.exitCode` 2 on bad arguments and 1 when the broker cannot be reached.
 */
export async function simulateRfidCli(
  argv: string[],
  deps: SimulateRfidDeps = {},
): Promise<SimulateRfidTotals | undefined> {
  const out = deps.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const opts = parseOptions(argv[0] === 'rfid' ? argv.slice(1) : argv);
  if (typeof opts === 'string') {
    process.stderr.write(`store-edge simulate rfid: ${opts}\n${USAGE}`);
    process.exitCode = 2;
    return undefined;
  }

  const gtins = demoGtins(opts.gtins);
  const epcs = makeTagPopulation(opts.tags, gtins);
  out(
    `simulate rfid: ${opts.format} → ${opts.url} topic ${opts.topic}, ${opts.tags} tags, ${opts.rate} reads/s` +
      (opts.format === 'zebra-iot' ? `, batch ${opts.batch}` : '') +
      (opts.durationMs === Number.POSITIVE_INFINITY ? ', until Ctrl-C' : `, ${opts.durationMs / 1000} s`),
  );
  out(`SGTIN-96 tags use GTINs (company prefix 0614141): ${gtins.join(' ')}`);

  const connect = deps.connect ?? connectMqtt;
  let publisher: RfidPublisher;
  try {
    publisher = await connect(opts.url, { username: opts.username, password: opts.password, qos: opts.qos });
  } catch (err) {
    process.stderr.write(
      `store-edge simulate rfid: cannot connect to ${opts.url}: ${(err as Error).message}\n`,
    );
    process.exitCode = 1;
    return undefined;
  }

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  deps.signal?.addEventListener('abort', onSignal, { once: true });
  if (!deps.signal) process.once('SIGINT', onSignal);

  const field = new TagField(epcs, opts.antennas);
  const start = performance.now();
  let reads = 0;
  let messages = 0;
  let eventNum = 1;
  let nextProgress = 1000;
  let lastPublish = 0;
  try {
    while (true) {
      const elapsed = performance.now() - start;
      const done = stop.signal.aborted || elapsed >= opts.durationMs;
      const target = Math.floor((opts.rate * Math.min(elapsed, opts.durationMs)) / 1000);
      // Like the reader's batching (maxPayloadSizePerReport / reportingInterval): full batches
      // as soon as they fill, a partial one when it has waited LINGER_MS or at the end.
      const size = opts.format === 'zebra-iot' ? opts.batch : 1;
      while (target - reads >= size || (target > reads && (done || elapsed - lastPublish >= LINGER_MS))) {
        const n = Math.min(size, target - reads);
        const batch = field.next(n, new Date());
        if (opts.format === 'zebra-iot') {
          const payload = buildZebraBatch(batch, { firstEventNum: eventNum });
          // batch 1: the reader's default single-object form rather than a one-element array.
          await publisher.publish(opts.topic, opts.batch === 1 ? payload.slice(1, -1) : payload);
        } else {
          for (const event of buildImpinjEvents(batch)) await publisher.publish(opts.topic, event);
        }
        eventNum += n;
        reads += n;
        messages += opts.format === 'zebra-iot' ? 1 : n;
        lastPublish = elapsed;
      }
      if (elapsed >= nextProgress) {
        out(`t=${(elapsed / 1000).toFixed(1)}s sent ${reads} reads in ${messages} messages`);
        nextProgress += 1000;
      }
      if (done) break;
      await new Promise((r) => setTimeout(r, 10));
    }
  } catch (err) {
    process.stderr.write(`store-edge simulate rfid: publish failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    if (!deps.signal) process.off('SIGINT', onSignal);
    await publisher.end();
  }
  const seconds = (performance.now() - start) / 1000;
  out(
    `done: ${reads} reads in ${messages} messages over ${seconds.toFixed(1)} s (${(reads / seconds).toFixed(1)} reads/s)`,
  );
  return { reads, messages, seconds, gtins };
}

function parseOptions(argv: string[]): SimOptions | string {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        format: { type: 'string' },
        url: { type: 'string' },
        tags: { type: 'string' },
        rate: { type: 'string' },
        topic: { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        batch: { type: 'string' },
        duration: { type: 'string' },
        'reader-id': { type: 'string' },
        gtins: { type: 'string' },
        antennas: { type: 'string' },
        qos: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (err) {
    return (err as Error).message;
  }
  const format = values['format'];
  if (format !== 'zebra-iot' && format !== 'impinj-iot') return '--format must be zebra-iot or impinj-iot';
  const problems: string[] = [];
  const num = (name: string, def: number, min: number, integer = true): number => {
    const raw = values[name];
    if (raw === undefined) return def;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      problems.push(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
    }
    return v;
  };
  const tags = num('tags', 100, 1);
  const rate = num('rate', 100, 0, false);
  const batch = num('batch', 20, 1);
  const gtins = num('gtins', 3, 1);
  const antennas = num('antennas', 4, 1);
  const qos = num('qos', 0, 0);
  const duration = values['duration'] === undefined ? Number.POSITIVE_INFINITY : num('duration', 0, 0, false);
  if (qos > 1) problems.push('--qos must be 0 or 1');
  if (gtins > 99_999) problems.push('--gtins must be ≤ 99999');
  if (Math.ceil(tags / Math.max(1, gtins)) >= 2 ** 38) problems.push('--tags too large for SGTIN-96 serials');
  if ((values['username'] === undefined) !== (values['password'] === undefined)) {
    problems.push('--username and --password go together');
  }
  if (problems.length > 0) return problems.join('; ');
  const readerId = values['reader-id'] ?? 'sim-reader-1';
  return {
    format,
    url: values['url'] ?? 'mqtt://127.0.0.1:1883',
    tags,
    rate,
    topic:
      values['topic'] ?? (format === 'zebra-iot' ? `zebra/${readerId}/data` : `impinj/${readerId}/events`),
    username: values['username'],
    password: values['password'],
    batch,
    durationMs: duration * 1000,
    readerId,
    gtins,
    antennas,
    qos: qos as 0 | 1,
  };
}

async function connectMqtt(
  url: string,
  options: { username?: string; password?: string; qos: 0 | 1 },
): Promise<RfidPublisher> {
  const client = await mqtt.connectAsync(url, {
    username: options.username,
    password: options.password,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    clientId: `store-edge-sim-${process.pid}-${Date.now().toString(36)}`,
  });
  return {
    publish: async (topic, payload) => {
      await client.publishAsync(topic, payload, { qos: options.qos });
    },
    end: () => client.endAsync(),
  };
}

/**
 * Tags in front of the antennas: each has a home antenna and a base RSSI, and is now and
 * then caught by the neighbouring antenna, weaker, as on a real shelf or portal.
 */
class TagField {
  #i = 0;
  readonly #epcs: readonly string[];
  readonly #antennas: number;

  constructor(epcs: readonly string[], antennas: number) {
    this.#epcs = epcs;
    this.#antennas = antennas;
  }

  next(n: number, at: Date): SimulatedRead[] {
    const reads: SimulatedRead[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const idx = this.#i++ % this.#epcs.length;
      const home = (idx % this.#antennas) + 1;
      const stray = this.#antennas > 1 && Math.random() < 0.1;
      const antenna = stray ? (home % this.#antennas) + 1 : home;
      const base = -50 - (idx % 25);
      reads[k] = {
        epc: this.#epcs[idx] as string,
        antenna,
        rssi: base - (stray ? 10 : 0) + Math.round((Math.random() - 0.5) * 4),
        at,
      };
    }
    return reads;
  }
}
