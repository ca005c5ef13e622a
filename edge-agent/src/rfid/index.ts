import { READER_FORMATS, type ReaderFormat } from '@store-edge/drivers';
import type { DeviceConfig } from '../config/settings.js';
import { defineFeature } from '../feature.js';
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

/** The RFID feature's service: the read pipeline and the cycle counts. */
export interface RfidService {
  pipeline: RfidPipeline;
  counts: CycleCounts;
}

/**
 * RFID readers over MQTT (issue 5): reader messages from the embedded broker and/or the
 * store's broker → tag reads → presence per zone → tag events; cycle counts per zone.
 */
export const rfidFeature = defineFeature({
  name: 'rfid',
  create(core) {
    const pipeline = new RfidPipeline(core, core.settings.rfid.smoothing);
    const counts = new CycleCounts(core, pipeline);
    const sources: ReaderSource[] = [];
    let timer: NodeJS.Timeout | null = null;
    const service: RfidService = { pipeline, counts };
    return {
      service,
      deviceKinds: { 'rfid-reader': validateReader },
      routes: rfidRoutes(pipeline, counts),
      start: async () => {
        pipeline.loadReaders();
        counts.load();
        if (core.broker) sources.push(new EmbeddedReaderSource(core.broker, pipeline, core));
        if (core.settings.mqtt.url)
          sources.push(new ExternalReaderSource(core.settings.mqtt.url, pipeline, core));
        for (const s of sources) await s.start();
        core.events.on(
          'device.changed',
          ({ config }) => {
            if (config !== null && config.kind !== 'rfid-reader') return;
            pipeline.loadReaders();
            for (const s of sources) s.refresh();
          },
          service,
        );
        timer = setInterval(() => {
          try {
            pipeline.tick();
            counts.flush();
          } catch (err) {
            core.log.error({ err }, 'rfid tick failed');
          }
        }, 1000);
        timer.unref();
      },
      stop: async () => {
        core.events.removeListeners(service);
        if (timer) clearInterval(timer);
        timer = null;
        try {
          counts.flush();
        } catch {
          // the database may already be closing; running counts keep what was flushed before
        }
        for (const s of sources.splice(0)) await s.stop();
      },
    };
  },
});
