import type { TagReadEvent } from '../events.js';

/** A message, or one event inside a batch, that was not a tag read nor a known management event. */
export interface RejectedPayload {
  /** Human-readable, starts with the format, e.g. `zebra-iot event 3: data.idHex is not hex`. */
  reason: string;
  /** The offending JSON or text, cut to 512 characters. */
  raw: string;
}

export interface ParseResult {
  reads: TagReadEvent[];
  rejected: RejectedPayload[];
  /** Events recognised as management/status (heartbeats, antenna, inventory status, …) and skipped. */
  ignored: number;
}

export interface ParseOptions {
  /** Used as `at` when an event carries no usable timestamp. Default: now. */
  receivedAt?: Date;
}

const RAW_LIMIT = 512;

export function clip(s: string): string {
  return s.length > RAW_LIMIT ? `${s.slice(0, RAW_LIMIT)}…` : s;
}

export function rawOf(value: unknown): string {
  try {
    return clip(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));
  } catch {
    return '[unserialisable]';
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
