import { PROBLEM_CODES, type Problem, type ProblemCode } from '@store-edge/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface CloudProblemEntry {
  /** The problem `type` URI, stored (never derived from the title): part of the contract. */
  type: string;
  status: number;
  /** Set on the fallbacks, answered with the status of what failed (the docs show the range). */
  statusRange?: '4xx' | '5xx';
  title: string;
  /** When it is answered (docs/errors.md). */
  meaning: string;
  /** What the caller does about it (docs/errors.md). */
  action?: string;
}

const URN = 'urn:store-edge:problem:';

/**
 * The cloud's error registry: each machine-readable `code` (protocol's PROBLEM_CODES and the
 * cloud's own) with its problem `type`, `status` and `title`. Answers with a code carry it as the
 * `code` member; the `about:blank` entries are the plain HTTP answers that carry no code.
 * docs/errors.md is generated from this table (`npm run docs:errors`).
 */
export const CLOUD_PROBLEMS = {
  [PROBLEM_CODES.validation]: {
    type: `${URN}validation`,
    status: 400,
    title: 'Bad Request',
    meaning: 'a field breaks the schema or a rule; `errors[].path` points at it; nothing was applied',
    action: 'fix the named fields (a batch: the agent refuses the record for good, see "Replication alarms")',
  },
  [PROBLEM_CODES.unauthorized]: {
    type: `${URN}unauthorized`,
    status: 401,
    title: 'Unauthorized',
    meaning:
      'no bearer token, an unknown or revoked one, or a JWT that is expired, unsigned, from another issuer or for another audience, or lacks the tenant claim',
    action: 'check the store or admin token; sign in again for a fresh access token',
  },
  [PROBLEM_CODES.forbidden]: {
    type: `${URN}forbidden`,
    status: 403,
    title: 'Forbidden',
    meaning:
      "the token may not do this (a store token on an admin route, or on another store's route; a person's roles do not include one this route needs)",
    action: 'use the right token',
  },
  [PROBLEM_CODES.notFound]: {
    type: `${URN}not-found`,
    status: 404,
    title: 'Not Found',
    meaning: 'no such tenant, store or reservation',
  },
  [PROBLEM_CODES.conflict]: {
    type: `${URN}conflict`,
    status: 409,
    title: 'Conflict',
    meaning: 'the tenant or store exists',
  },
  [PROBLEM_CODES.sequenceGap]: {
    type: `${URN}sequence-gap`,
    status: 409,
    title: 'Conflict',
    meaning: "a batch starts after the store's next seq; `expectedSeq` is in the body",
    action: 'the agent resends from `expectedSeq`',
  },
  [PROBLEM_CODES.sequenceReuse]: {
    type: `${URN}sequence-reuse`,
    status: 409,
    title: 'Conflict',
    meaning:
      'a seq already applied with another movement (the edge database was restored or replaced); `seq`, `appliedSeq` are in the body',
    action: "the agent pulls back the cloud's movements and continues after `appliedSeq`",
  },
  [PROBLEM_CODES.movementIdConflict]: {
    type: `${URN}movement-id-conflict`,
    status: 409,
    title: 'Conflict',
    meaning: 'a movement id already replicated under another seq, or twice in one batch; `seq` names it',
    action: 'the agent refuses the record for good',
  },
  [PROBLEM_CODES.anotherAgent]: {
    type: `${URN}another-agent`,
    status: 409,
    title: 'Conflict',
    meaning: 'another agent installation pushes for this store and was heard from in the last 60 s',
    action: 'stop the other agent, or give this one its own store',
  },
  [PROBLEM_CODES.gtinConflict]: {
    type: `${URN}gtin-conflict`,
    status: 409,
    title: 'Conflict',
    meaning: 'an item with a GTIN of another item; `sku` names it',
    action: 'send `moveGtins: true` to move it, or fix the GTIN',
  },
  [PROBLEM_CODES.batchTooLarge]: {
    type: `${URN}batch-too-large`,
    status: 413,
    title: 'Content Too Large',
    meaning: 'more than 1000 records in a batch, or a body over the limit',
    action: 'split the batch',
  },
  busy: {
    type: `${URN}busy`,
    status: 503,
    title: 'Service Unavailable',
    meaning:
      "the replica is applying as many batches as it takes at once, or (while other tenants have batches in flight) the tenant's half of them (load shedding, fair between tenants)",
    action: 'retry after `Retry-After` seconds with backoff',
  },
  'oidc-unreachable': {
    type: `${URN}oidc-unreachable`,
    status: 503,
    title: 'Service Unavailable',
    meaning:
      "a bearer JWT could not be checked: the OpenID provider's discovery document or keys are out of reach",
    action:
      'retry after a short backoff; check STORE_EDGE_OIDC_ISSUER and that the cloud reaches the provider',
  },
  'rate-limited': {
    type: `${URN}rate-limited`,
    status: 429,
    title: 'Too Many Requests',
    meaning:
      'the tenant or the store credential sent more requests than its limit (per cloud replica); `Retry-After` and the `RateLimit` fields say when to go on',
    action: 'wait `Retry-After` seconds and send again (the edge shipper does)',
  },
  'no-route': {
    type: 'about:blank',
    status: 404,
    title: 'Not Found',
    meaning: 'no route has this method and path',
  },
  'unsupported-encoding': {
    type: 'about:blank',
    status: 415,
    title: 'Unsupported Media Type',
    meaning: 'a `content-encoding` other than gzip or identity',
  },
  'request-refused': {
    type: 'about:blank',
    status: 400,
    statusRange: '4xx',
    title: "(the HTTP layer's error code, e.g. FST_ERR_CTP_INVALID_JSON_BODY)",
    meaning: 'any other 4xx the HTTP layer answers (e.g. a body that is not valid JSON)',
  },
  'database-unreachable': {
    type: 'about:blank',
    status: 503,
    title: 'Service Unavailable',
    meaning: '`/readyz`: the database cannot be reached',
  },
  internal: {
    type: 'about:blank',
    status: 500,
    statusRange: '5xx',
    title: 'Internal Server Error',
    meaning: 'the cloud failed; it is logged',
    action: 'retry',
  },
} as const satisfies Record<string, CloudProblemEntry>;
export type CloudProblemCode = keyof typeof CLOUD_PROBLEMS;
// Every code of the protocol has its entry (a compile error names a missing one).
CLOUD_PROBLEMS satisfies Record<ProblemCode, CloudProblemEntry>;

/** An error that is answered as RFC 9457 problem details. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    /** Machine-readable `code` and further members (e.g. `expectedSeq`). */
    readonly extra: Record<string, unknown> & { code?: string } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toProblem(): Problem {
    const code = this.extra.code;
    const entry: CloudProblemEntry | undefined = code
      ? (CLOUD_PROBLEMS as Record<string, CloudProblemEntry>)[code]
      : undefined;
    return {
      type: entry?.type ?? (code ? `${URN}${code}` : 'about:blank'),
      title: this.title,
      status: this.status,
      detail: this.message,
      ...this.extra,
    };
  }
}

/** The problem of a registered code, its status and title from {@link CLOUD_PROBLEMS}. */
export function cloudProblem(
  code: CloudProblemCode,
  detail: string,
  extra: Record<string, unknown> = {},
): HttpProblem {
  const e: CloudProblemEntry = CLOUD_PROBLEMS[code];
  return new HttpProblem(e.status, e.title, detail, e.type === 'about:blank' ? extra : { code, ...extra });
}

export const unauthorized = (detail: string) => cloudProblem(PROBLEM_CODES.unauthorized, detail);
export const forbidden = (detail: string) => cloudProblem(PROBLEM_CODES.forbidden, detail);
export const notFound = (detail: string) => cloudProblem(PROBLEM_CODES.notFound, detail);
export const conflict = (detail: string) => cloudProblem(PROBLEM_CODES.conflict, detail);

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** Turns Fastify's (ajv) validation issues into `errors: [{path, message}]` with JSON pointers. */
export function validationErrors(issues: AjvIssue[], context: string | undefined): Problem['errors'] {
  const prefix = context && context !== 'body' ? `/${context}` : '';
  return issues.map((i) => {
    let path = i.instancePath ?? '';
    // A missing or unexpected property is reported on its parent; point at the property itself.
    const prop = i.params?.missingProperty ?? i.params?.additionalProperty;
    if (typeof prop === 'string') path = `${path}/${prop.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return { path: `${prefix}${path}` || '/', message: i.message ?? 'is invalid' };
  });
}

/** Fastify error handler answering every error as `application/problem+json`. */
export function installProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpProblem, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpProblem) return sendProblem(reply, err.toProblem());
    if (err.validation) {
      const problem = cloudProblem(
        PROBLEM_CODES.validation,
        `invalid ${err.validationContext ?? 'request'}`,
        {
          errors: validationErrors(err.validation as AjvIssue[], err.validationContext),
        },
      );
      return sendProblem(reply, problem.toProblem());
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status === 413) {
      return sendProblem(reply, cloudProblem(PROBLEM_CODES.batchTooLarge, err.message).toProblem());
    }
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return sendProblem(reply, { ...cloudProblem('internal', 'internal error').toProblem(), status });
    }
    // 'request-refused': the title is the HTTP layer's own error code.
    return sendProblem(reply, {
      type: 'about:blank',
      title: err.code ?? 'Bad Request',
      status,
      detail: err.message,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      cloudProblem('no-route', `no route ${request.method} ${request.url.split('?')[0]}`).toProblem(),
    ),
  );
}
