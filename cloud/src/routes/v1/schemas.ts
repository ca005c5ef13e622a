// Schemas shared by the /v1 route groups.
import { ProblemSchema } from '@store-edge/protocol';
import { Type } from 'typebox';

/** A tenant or store id (also a URL segment). */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

/** OpenAPI security requirement of every /v1 route: a bearer token (admin, store, or an OIDC access token). */
export const bearer = [{ bearer: [] }];

/**
 * A problem document as the cloud answers it (RFC 9457, `application/problem+json`). The
 * members the cloud uses are listed (protocol's ProblemSchema); further extension members are
 * let through rather than dropped by the response serializer (RFC 9457 §3.2).
 */
export const CloudProblemSchema = Type.Object(ProblemSchema.properties, {
  $id: 'Problem',
  title: 'Problem',
  additionalProperties: true,
});
/** Answers point at the one shared schema (added by app.ts), so the document lists it once. */
const ProblemRef = Type.Ref('Problem');

/** When each status is answered; route groups add their own wording where it says more. */
const WHEN = {
  400: 'invalid request: `code: validation`, `errors: [{path, message}]` names each field',
  401: 'missing, unknown or revoked bearer token, or a JWT that is expired, unsigned, from another issuer or for another audience',
  403: 'this token may not act here (admin route, another store, or none of the roles this route takes)',
  404: 'a tenant, store or resource named in the request does not exist',
  409: 'conflict with what is stored',
  413: 'request body too large',
  429: '`code: rate-limited`: the store credential or the tenant is over its request limit; send again after `Retry-After` (RateLimit fields tell the quota)',
  415: 'unsupported Content-Encoding (gzip and identity are accepted) or Content-Type',
  500: 'internal error (details are in the cloud log, not in the answer)',
  503: 'busy or not ready: send again after Retry-After',
} as const;

export type ProblemStatus = keyof typeof WHEN;

const problemAnswer = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemRef } },
});
type ProblemAnswer = ReturnType<typeof problemAnswer>;

/**
 * Response schemas for the problem statuses a route answers: serialized and documented as
 * `application/problem+json`. `say` overrides the default wording of a status.
 */
export function problems<S extends ProblemStatus>(
  statuses: readonly S[],
  say: Partial<Record<S, string>> = {},
): Record<S, ProblemAnswer> {
  const out = {} as Record<S, ProblemAnswer>;
  for (const s of statuses) out[s] = problemAnswer(say[s] ?? WHEN[s]);
  return out;
}

/** What every /v1 route can answer besides its own problems: bad input, no or wrong token, over the limit, failure. */
export const EVERY_V1_ROUTE = [400, 401, 403, 415, 429, 500] as const;
