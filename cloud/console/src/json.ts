// What arrives over the wire is `Json`, never `any`: readers below narrow it field by field.
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export function asRecord(v: Json | undefined): Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

export function asArray(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

export function optString(v: Json | undefined): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export function num(v: Json | undefined, dflt = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

export function optNum(v: Json | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
