import { useEffect, useRef, useState } from 'preact/hooks';
import { getSession } from './api.js';

/**
 * One EventSource per console tab on /api/v1/events. EventSource cannot send an Authorization
 * header, so the token travels as `?access_token=` (the agent accepts it on this route only).
 */
type Handler = (name: string, data: unknown) => void;
const handlers = new Set<Handler>();
const stateListeners = new Set<(up: boolean) => void>();
const NAMES = ['movements', 'scan', 'device', 'replication', 'tags', 'print', 'item'];
let source: EventSource | null = null;
let up = false;
let retry: ReturnType<typeof setTimeout> | null = null;

function setUp(v: boolean): void {
  if (up === v) return;
  up = v;
  for (const l of stateListeners) l(v);
}

export function connectEvents(): void {
  disconnectEvents();
  const s = getSession();
  if (!s) return;
  const es = new EventSource(`/api/v1/events?access_token=${encodeURIComponent(s.token)}`);
  source = es;
  es.onopen = () => setUp(true);
  es.onerror = () => {
    setUp(false);
    // The browser retries by itself unless the answer was an error status: then we do, slower.
    if (es.readyState === EventSource.CLOSED && source === es) {
      retry = setTimeout(connectEvents, 5000);
    }
  };
  for (const name of NAMES) {
    es.addEventListener(name, (e) => {
      let data: unknown = null;
      try {
        data = JSON.parse((e as MessageEvent<string>).data);
      } catch {
        return;
      }
      for (const h of handlers) h(name, data);
    });
  }
}

export function disconnectEvents(): void {
  if (retry) clearTimeout(retry);
  retry = null;
  source?.close();
  source = null;
  setUp(false);
}

/** Calls fn for each event with one of the given names while the component is mounted. */
export function useEvents(names: string[], fn: (name: string, data: unknown) => void): void {
  const ref = useRef(fn);
  ref.current = fn;
  const key = names.join(',');
  useEffect(() => {
    const wanted = new Set(key.split(','));
    const h: Handler = (name, data) => {
      if (wanted.has(name)) ref.current(name, data);
    };
    handlers.add(h);
    return () => handlers.delete(h);
  }, [key]);
}

/** True while the live connection to the agent is open. */
export function useLive(): boolean {
  const [v, set] = useState(up);
  useEffect(() => {
    stateListeners.add(set);
    set(up);
    return () => stateListeners.delete(set);
  }, []);
  return v;
}
