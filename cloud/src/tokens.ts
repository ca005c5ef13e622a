import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh store credential: 256 random bits, prefixed so it is recognisable in a leaked log. */
export function newStoreToken(): string {
  return `set_${randomBytes(32).toString('base64url')}`;
}

/**
 * Tokens carry 256 bits of entropy, so a plain SHA-256 is enough to store them (no password
 * stretching needed) and lets the lookup be one primary-key read.
 */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Constant-time comparison (hashing first evens out the lengths). */
export function tokensEqual(a: string, b: string): boolean {
  return timingSafeEqual(hashToken(a), hashToken(b));
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}
