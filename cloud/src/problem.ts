import type { Problem } from '@store-edge/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

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
    return {
      type: code ? `urn:store-edge:problem:${code}` : 'about:blank',
      title: this.title,
      status: this.status,
      detail: this.message,
      ...this.extra,
    };
  }
}

export const unauthorized = (detail: string) =>
  new HttpProblem(401, 'Unauthorized', detail, { code: 'unauthorized' });
export const forbidden = (detail: string) => new HttpProblem(403, 'Forbidden', detail, { code: 'forbidden' });
export const notFound = (detail: string) => new HttpProblem(404, 'Not Found', detail, { code: 'not-found' });
export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail, { code: 'conflict' });

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
      return sendProblem(reply, {
        type: 'urn:store-edge:problem:validation',
        title: 'Bad Request',
        status: 400,
        detail: `invalid ${err.validationContext ?? 'request'}`,
        code: 'validation',
        errors: validationErrors(err.validation as AjvIssue[], err.validationContext),
      });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status === 413) {
      return sendProblem(reply, {
        type: 'urn:store-edge:problem:batch-too-large',
        title: 'Content Too Large',
        status,
        detail: err.message,
        code: 'batch-too-large',
      });
    }
    if (status >= 500) request.log.error({ err }, 'request failed');
    return sendProblem(reply, {
      type: 'about:blank',
      title: status >= 500 ? 'Internal Server Error' : (err.code ?? 'Bad Request'),
      status,
      detail: status >= 500 ? 'internal error' : err.message,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
}
