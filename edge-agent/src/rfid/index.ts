import { READER_FORMATS, type ReaderFormat } from '@store-edge/drivers';
import type { EdgeAgent } from '../agent.js';
import type { DeviceConfig } from '../config/settings.js';
import { CycleCounts } from './counts.js';
import { RfidPipeline } from './pipeline.js';
import { rfidRoutes } from './routes.js';
import { EmbeddedReaderSource, ExternalReaderSource, type ReaderSource } from './sources.js';

export { CycleCounts } from './counts.js';
export { RfidPipeline } from './pipeline.js';

/** Checks an rfid-reader's fields (CONTRACT.md device kinds). */
export function validateReader(config: DeviceConfig): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (!READER_FORMATS.includes(config.format as ReaderFormat))
    problems.push({ path: '/format', message: `must be one of ${READER_FORMATS.join(', ')}` });
  for (const f of ['topic', 'username', 'zone'] as const) {
    if (typeof config[f] !== 'string' || config[f] === '')
      problems.push({ path: `/${f}`, message: 'is required' });
  }
  // Stored hashed (devices/registry.ts): a new reader needs a password, an edit may omit it.
  if (
    typeof config.passwordHash !== 'string' &&
    (typeof config.password !== 'string' || config.password === '')
  )
    problems.push({ path: '/password', message: 'is required' });
  // MQTT 3.1.1 §4.7.1: '#' only as the whole last level, '+' only as a whole level.
  if (typeof config.topic === 'string') {
    const levels = config.topic.split('/');
    const bad = levels.some(
      (l, i) => (l.includes('#') && (l !== '#' || i !== levels.length - 1)) || (l.includes('+') && l !== '+'),
    );
    if (bad)
      problems.push({ path: '/topic', message: "'#' only as the last level, '+' only as a whole level" });
    // The agent's own topics; a reader may never publish there (mqtt/broker.ts).
    else if (config.topic.startsWith('store-edge/') || config.topic.startsWith('$'))
      problems.push({
        path: '/topic',
        message: "must not start with 'store-edge/' or '$' (the agent's topics)",
      });
  }
  return problems;
}

/**
 * RFID readers over MQTT (issue 5): reader messages from the embedded broker and/or the
 * store's broker → tag reads → presence per zone → tag events; cycle counts per zone.
 */
export function registerRfid(agent: EdgeAgent): void {
  let pipeline: RfidPipeline | null = null;
  let counts: CycleCounts | null = null;
  const sources: ReaderSource[] = [];
  let timer: NodeJS.Timeout | null = null;

  agent.addDeviceKind('rfid-reader', validateReader);
  // The pipeline needs the agent's parts, which exist once start() has opened the database;
  // routes are mounted after that and before components start, so whichever comes first builds it.
  const ensure = (): { pipeline: RfidPipeline; counts: CycleCounts } => {
    const parts = agent.parts;
    if (!parts) throw new Error('agent not started');
    if (!pipeline || !counts) {
      pipeline = new RfidPipeline(parts, parts.settings.rfid.smoothing);
      counts = new CycleCounts(parts, pipeline);
    }
    return { pipeline, counts };
  };
  agent.addRoutes(async (app, ctx) => {
    const built = ensure();
    await rfidRoutes(built.pipeline, built.counts)(app, ctx);
  });
  agent.addComponent({
    name: 'rfid',
    start: async () => {
      const parts = agent.parts;
      if (!parts) throw new Error('agent not started');
      const { pipeline: p, counts: c } = ensure();
      p.loadReaders();
      c.load();
      if (parts.broker) sources.push(new EmbeddedReaderSource(parts.broker, p, parts));
      if (parts.settings.mqtt.url) sources.push(new ExternalReaderSource(parts.settings.mqtt.url, p, parts));
      for (const s of sources) await s.start();
      parts.devices.watch((_id, config) => {
        if (config !== null && config.kind !== 'rfid-reader') return;
        p.loadReaders();
        for (const s of sources) s.refresh();
      });
      timer = setInterval(() => {
        try {
          p.tick();
          counts?.flush();
        } catch (err) {
          parts.log.error({ err }, 'rfid tick failed');
        }
      }, 1000);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      timer = null;
      try {
        counts?.flush();
      } catch {
        // the database may already be closing; running counts keep what was flushed before
      }
      for (const s of sources.splice(0)) await s.stop();
    },
  });
}
