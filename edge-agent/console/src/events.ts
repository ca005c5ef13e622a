import { useEffect, useRef, useState } from 'preact/hooks';
import { api, getSession } from './api.js';

/**
 * One EventSource per console tab on /api/v1/events. EventSource cannot send an Authorization
 * header, and the session's token must never travel in a URL (logs, history, proxies): each
 * connection asks for a one-use ticket (valid ~30 s) and puts that in the URL instead.
 */
type Handler = (name: string, data: unknown) => void;
const handlers = new Set<Handler>();
const stateListeners = new Set<(up: boolean) => void>();
const NAMES = ['movements', 'scan', 'device', 'replication', 'tags', 'print', 'item'];
/** Between a lost stream and the next ticket: the agent restarting, or the network gone. */
const RECONNECT_MS = 2000;
let source: EventSource | null = null;
let up = false;
let retry: ReturnType<typeof setTimeout> | null = null;
/** Bumped by every (dis)connect, so a ticket that arrives late is not used. */
let generation = 0;

function setUp(v: boolean): void {
  if (up === v) return;
  up = v;
  for (const l of stateListeners) l(v);
}

function reconnectLater(): void {
  if (retry) clearTimeout(retry);
  retry = setTimeout(connectEvents, RECONNECT_MS);
}

export function connectEvents(): void {
  disconnectEvents();
  if (!getSession()) return;
  const mine = generation;
  api<{ ticket: string; expiresAt: string }>('/events/tickets', { method: 'POST' }).then(
    ({ ticket }) => {
      if (mine !== generation) return;
      open(ticket);
    },
    () => {
      // A 401 has ended the session (api() clears it); anything else: try again later.
      if (mine === generation && getSession()) reconnectLater();
    },
  );
}

function open(ticket: string): void {
  const es = new EventSource(`/api/v1/events?ticket=${encodeURIComponent(ticket)}`);
  source = es;
  es.onopen = () => setUp(true);
  es.onerror = () => {
    setUp(false);
    // The ticket is used up: the browser's own retry would present it again and be refused,
    // so close and come back with a fresh one.
    if (source === es) {
      es.close();
      source = null;
      reconnectLater();
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
  generation++;
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
