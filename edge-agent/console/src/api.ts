/** The agent's HTTP API (CONTRACT.md "Edge HTTP API"), with the session's bearer token. */

export interface ProblemError {
  path: string;
  message: string;
}

/** An answer other than 2xx: problem+json fields when the agent sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: ProblemError[] = [],
  ) {
    super(detail || title);
  }
  /** A route this agent does not have (yet): pages show "not available" instead of an error. */
  get missing(): boolean {
    return this.status === 404 && /no route/i.test(this.detail);
  }
}

export interface Session {
  token: string;
  role: 'admin' | 'manager' | 'associate' | 'device';
  username: string;
  expiresAt: string;
}

const KEY = 'store-console.session';
let session: Session | null = load();
const listeners = new Set<(s: Session | null) => void>();

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return new Date(s.expiresAt).getTime() > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return session;
}

export function setSession(s: Session | null): void {
  session = s;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  for (const l of listeners) l(s);
}

export function onSession(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

async function toError(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = asRecord(await res.json());
  } catch {
    // not JSON
  }
  const errors = Array.isArray(body.errors)
    ? body.errors.map((e) => {
        const r = asRecord(e);
        return { path: String(r.path ?? ''), message: String(r.message ?? '') };
      })
    : [];
  return new ApiError(
    res.status,
    String(body.title ?? res.statusText),
    String(body.detail ?? body.title ?? res.statusText),
    errors,
  );
}

/** Calls `/api/v1{path}`; throws ApiError (status 0 when the agent cannot be reached). */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError(0, 'Unreachable', 'the agent cannot be reached');
  }
  if (res.status === 401 && session && path !== '/auth/token') {
    setSession(null);
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A binary answer (label preview) as a blob URL; the caller revokes it. */
export async function apiBlobUrl(path: string): Promise<{ url: string; type: string }> {
  const res = await fetch(`/api/v1${path}`, {
    headers: session ? { authorization: `Bearer ${session.token}` } : {},
  }).catch(() => {
    throw new ApiError(0, 'Unreachable', 'the agent cannot be reached');
  });
  if (!res.ok) throw await toError(res);
  const blob = await res.blob();
  return { url: URL.createObjectURL(blob), type: blob.type };
}

export async function login(username: string, password: string): Promise<Session> {
  const r = await api<{ token: string; role: Session['role']; expiresAt: string }>('/auth/token', {
    body: { username, password },
  });
  const s: Session = { ...r, username };
  setSession(s);
  return s;
}

/** Ends the session at the agent too (the token answers 401 from then on), then here. */
export async function logout(): Promise<void> {
  if (session) await api<void>('/auth/logout', { method: 'POST' }).catch(() => {});
  setSession(null);
}

/**
 * A v4 UUID for a movement's idempotency key. `crypto.randomUUID` exists only in secure
 * contexts, and a store console is usually plain http on the LAN; getRandomValues works anywhere.
 */
export function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40; // version 4 (RFC 9562 §5.4)
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // variant 10
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const isManager = (s: Session | null): boolean => s?.role === 'admin' || s?.role === 'manager';
export const isAdmin = (s: Session | null): boolean => s?.role === 'admin';

// Shapes the console reads (CONTRACT.md); fields beyond the contract are optional.
export interface Item {
  sku: string;
  name: string;
  gtins: string[];
  packs?: Array<{ gtin: string; qty: number }>;
  price?: { amount: string; currency: string };
  unit?: string;
  packQty?: number;
}
export interface StockRow {
  sku: string;
  location: string;
  onHand: number;
  reserved: number;
  available: number;
}
export interface Movement {
  seq: number;
  id: string;
  type: string;
  sku: string;
  location: string;
  qty: number;
  deltaOnHand: number;
  deltaReserved: number;
  at: string;
  ref: string | null;
  reason: string | null;
  code: string | null;
  source: string;
  actor: string;
}
export interface Device {
  id: string;
  kind: string;
  config: Record<string, unknown> & { id: string; kind: string };
  status: 'online' | 'offline' | 'error';
  lastSeenAt: string | null;
  lastError: string | null;
  details?: Record<string, unknown>;
}
export interface Replication {
  storeId: string;
  cloudConfigured: boolean;
  online: boolean;
  pending: number;
  oldestPendingAt: string | null;
  lastSeq: number;
  lastAckedSeq: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  diskFreeBytes: number;
  [extra: string]: unknown;
}
