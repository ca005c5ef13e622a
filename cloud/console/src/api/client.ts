// The console's HTTP client for the cloud's /v1 API: the bearer token, and errors as ApiError.
import { endSession, getSession } from '../auth.js';
import { asArray, asRecord, type Json, optString, str } from '../json.js';

export interface ProblemError {
  path: string;
  message: string;
}

/** An answer other than 2xx, with its RFC 9457 problem fields when the cloud sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly title: string,
    readonly detail: string,
    readonly errors: ProblemError[] = [],
    /** Seconds from `Retry-After` (429, 503). */
    readonly retryAfter: number | null = null,
  ) {
    super(detail || title);
  }
  /** A route this cloud does not have (yet): pages say "not available" instead of failing. */
  get missing(): boolean {
    return this.status === 404 && /^no route/i.test(this.detail);
  }
}

async function toError(res: Response): Promise<ApiError> {
  const body = asRecord((await res.json().catch(() => null)) as Json);
  const errors = asArray(body.errors).map((e) => {
    const r = asRecord(e);
    return { path: str(r.path), message: str(r.message) };
  });
  const retry = Number(res.headers.get('retry-after'));
  return new ApiError(
    res.status,
    optString(body.code),
    optString(body.title) ?? res.statusText,
    optString(body.detail) ?? optString(body.title) ?? res.statusText,
    errors,
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/** Calls `/v1{path}` with the session's bearer token; throws ApiError (status 0: unreachable). */
export async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<Json> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const s = getSession();
  if (s) headers.authorization = `Bearer ${s.accessToken}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/v1${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError(0, 'unreachable', 'Unreachable', 'the cloud cannot be reached');
  }
  // A token the API no longer takes (expired, revoked, key rotated away): sign in again.
  if (res.status === 401) endSession('expired');
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return null;
  return (await res.json()) as Json;
}

/** A query string from the params that are set (`?a=1&b=x`, or empty). */
export const q = (params: Record<string, string | number | undefined>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};
