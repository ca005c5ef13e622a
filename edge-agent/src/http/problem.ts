import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { LedgerError } from '../ledger/types.js';

/** RFC 9457 problem details, the error body of every HTTP API here (CONTRACT.md). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://store-edge.dev/problems/';

/** An error a route throws to answer with a specific problem. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: Partial<Problem> = {},
    readonly typeSlug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

function validationErrors(err: FastifyError): Array<{ path: string; message: string }> {
  const ctx = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    let path = v.instancePath || '';
    const params = v.params as Record<string, unknown>;
    if (v.keyword === 'required' && typeof params.missingProperty === 'string')
      path += `/${params.missingProperty}`;
    if (v.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string')
      path += `/${params.additionalProperty}`;
    const prefix = ctx === 'body' ? '' : `/${ctx}`;
    return { path: `${prefix}${path}` || '/', message: v.message ?? 'is invalid' };
  });
}

export function toProblem(err: unknown, req: FastifyRequest): Problem {
  const instance = req.url;
  if (err instanceof HttpProblem) {
    return {
      type: TYPE_BASE + err.typeSlug,
      title: err.title,
      status: err.status,
      detail: err.message,
      instance,
      ...err.extra,
    };
  }
  if (err instanceof LedgerError) {
    return {
      type: TYPE_BASE + err.title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      title: err.title,
      status: err.status,
      detail: err.message,
      instance,
      ...(err.path ? { errors: [{ path: err.path, message: err.message }] } : {}),
      ...err.extra,
    };
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const errors = validationErrors(fe);
    return {
      type: `${TYPE_BASE}validation`,
      title: 'Invalid request',
      status: 400,
      detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      instance,
      errors,
    };
  }
  const status =
    typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
  if (status >= 500) {
    return {
      type: `${TYPE_BASE}internal`,
      title: 'Internal error',
      status,
      detail: 'the agent could not complete the request; it is logged',
      instance,
    };
  }
  const titles: Record<number, string> = {
    400: 'Bad request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not found',
    405: 'Method not allowed',
    413: 'Payload too large',
    415: 'Unsupported media type',
    429: 'Too many requests',
  };
  const detail =
    fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(fe.message)
      ? `the body is not valid JSON: ${fe.message}`
      : fe.message;
  return {
    type: `${TYPE_BASE}${(titles[status] ?? 'error').toLowerCase().replace(/ /g, '-')}`,
    title: titles[status] ?? 'Error',
    status,
    detail,
    instance,
  };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}
