import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { EDGE_ERRORS, ErrorCode, isEdgeError, PROBLEM_TYPE_BASE } from '../errors.js';

/** RFC 9457 problem details, the error body of every HTTP API here (CONTRACT.md). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
  [extension: string]: unknown;
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

/** The code of an error Fastify (or a plugin) raised with a status, by that status. */
const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: ErrorCode.Request_Malformed,
  401: ErrorCode.Request_Unauthorized,
  403: ErrorCode.Request_Forbidden,
  404: ErrorCode.Request_RouteNotFound,
  405: ErrorCode.Request_MethodNotAllowed,
  413: ErrorCode.Request_BodyTooLarge,
  415: ErrorCode.Request_UnsupportedMediaType,
  429: ErrorCode.Request_TooMany,
};

/** The problem for a code from the registry; `status` overrides the table's only for the fallbacks. */
function problemOf(code: ErrorCode, detail: string, instance: string, status?: number): Problem {
  const e = EDGE_ERRORS[code];
  return { type: PROBLEM_TYPE_BASE + e.type, title: e.title, status: status ?? e.status, detail, instance };
}

/** Any error a route or hook throws, as the problem it is answered with (via the registry). */
export function toProblem(err: unknown, req: FastifyRequest): Problem {
  const instance = req.url;
  if (isEdgeError(err)) {
    return {
      ...problemOf(err.code, err.message, instance),
      ...(err.path ? { errors: [{ path: err.path, message: err.message }] } : {}),
      ...err.extra,
    };
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const errors = validationErrors(fe);
    return {
      ...problemOf(
        ErrorCode.Request_Invalid,
        errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        instance,
      ),
      errors,
    };
  }
  const status =
    typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
  if (status >= 500) {
    return problemOf(
      ErrorCode.Internal,
      'the agent could not complete the request; it is logged',
      instance,
      status,
    );
  }
  const detail =
    fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(fe.message)
      ? `the body is not valid JSON: ${fe.message}`
      : fe.message;
  return problemOf(BY_STATUS[status] ?? ErrorCode.Request_Other, detail, instance, status);
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}
