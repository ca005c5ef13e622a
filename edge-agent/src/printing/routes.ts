import { isTemplateName, LabelDataError, renderPdf, renderZpl, templateNames } from '@store-edge/labels';
import { Type } from 'typebox';
import { EdgeError, ErrorCode } from '../errors.js';
import { allow, STAFF } from '../http/auth.js';
import { PrintJobResponse, problems, SECURED } from '../http/schemas.js';
import type { App } from '../http/server.js';
import { catalogLabelRequests, LabelRequestError } from './labels.js';
import type { PrintService } from './service.js';
import { type InsertResult, PRINT_JOB_STATUSES, type PrintJob } from './store.js';

const JobId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' });

const PrintJobBody = Type.Object(
  {
    id: Type.Optional(JobId),
    printerId: Type.String({ minLength: 1, maxLength: 64 }),
    template: Type.String({ minLength: 1, maxLength: 64 }),
    items: Type.Array(
      Type.Object(
        {
          sku: Type.String({ minLength: 1, maxLength: 128 }),
          copies: Type.Integer({ minimum: 1, maximum: 999, default: 1 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);

function unprocessable(err: LabelRequestError): EdgeError {
  return new EdgeError(ErrorCode.Printing_LabelData, err.message, { extra: { errors: err.problems } });
}

function notFound(id: string): EdgeError {
  return new EdgeError(ErrorCode.Printing_JobNotFound, `no print job '${id}'`);
}

/** 202 for a new job, 200 for a replay of the same id and content, 409 for other content. */
function answer(result: InsertResult, reply: { code(n: number): unknown }): PrintJob {
  if (result.kind === 'conflict') {
    throw new EdgeError(
      ErrorCode.Printing_JobIdReused,
      `print job '${result.job.id}' exists with another printer, template or items; use a new id`,
      { extra: { job: result.job } },
    );
  }
  reply.code(result.kind === 'created' ? 202 : 200);
  return result.job;
}

/** Routes of the print queue; the service exists once the agent's components have started. */
export function printRoutes(holder: { readonly current: PrintService }) {
  return async (app: App): Promise<void> => {
    app.post(
      '/print-jobs',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'Queue labels of catalog items on a printer (idempotent by id)',
          body: PrintJobBody,
          response: {
            202: PrintJobResponse,
            200: PrintJobResponse,
            ...problems(400, ...SECURED, 409, 422),
          },
        },
      },
      async (req, reply) => {
        try {
          const result = holder.current.submitItems({
            ...req.body,
            source: 'api',
            actor: req.caller?.username ?? null,
          });
          return answer(result, reply);
        } catch (err) {
          if (err instanceof LabelRequestError) throw unprocessable(err);
          throw err;
        }
      },
    );

    app.get(
      '/print-jobs',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'Print jobs, newest first',
          querystring: Type.Object({
            status: Type.Optional(Type.Union(PRINT_JOB_STATUSES.map((s) => Type.Literal(s)))),
            printerId: Type.Optional(Type.String({ minLength: 1 })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          }),
          response: {
            200: Type.Object({ jobs: Type.Array(PrintJobResponse) }),
            ...problems(400, ...SECURED),
          },
        },
      },
      async (req) => ({ jobs: holder.current.store.list(req.query) }),
    );

    app.get(
      '/print-jobs/:id',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'A print job',
          params: Type.Object({ id: Type.String() }),
          response: { 200: PrintJobResponse, ...problems(...SECURED, 404) },
        },
      },
      async (req) => {
        const job = holder.current.store.get(req.params.id);
        if (!job) throw notFound(req.params.id);
        return job;
      },
    );

    app.post(
      '/print-jobs/:id/confirm',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'An uncertain job did print: mark it done',
          params: Type.Object({ id: Type.String() }),
          response: { 200: PrintJobResponse, ...problems(...SECURED, 404, 409) },
        },
      },
      async (req) => {
        const job = holder.current.store.get(req.params.id);
        if (!job) throw notFound(req.params.id);
        if (job.status === 'done') return job;
        if (!holder.current.confirm(job.id)) {
          throw new EdgeError(
            ErrorCode.Printing_JobNotUncertain,
            `print job '${job.id}' is ${job.status}; only an uncertain job can be confirmed`,
          );
        }
        return holder.current.store.get(job.id)!;
      },
    );

    app.post(
      '/print-jobs/:id/reprint',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'Queue the same labels again as a new job (idempotent by the new id)',
          params: Type.Object({ id: Type.String() }),
          body: Type.Optional(Type.Object({ id: Type.Optional(JobId) }, { additionalProperties: false })),
          response: {
            202: PrintJobResponse,
            200: PrintJobResponse,
            ...problems(400, ...SECURED, 404, 409),
          },
        },
      },
      async (req, reply) => {
        const job = holder.current.store.get(req.params.id);
        if (!job) throw notFound(req.params.id);
        if (job.status === 'queued' || job.status === 'printing') {
          throw new EdgeError(ErrorCode.Printing_JobActive, `print job '${job.id}' is still ${job.status}`);
        }
        return answer(holder.current.reprint(job, req.caller?.username ?? null, req.body?.id), reply);
      },
    );

    app.post(
      '/devices/:id/test-print',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: "Queue the sample shelf label on a printer (the console's test print)",
          params: Type.Object({ id: Type.String() }),
          response: {
            202: PrintJobResponse,
            200: PrintJobResponse,
            ...problems(...SECURED, 404, 409, 422),
          },
        },
      },
      async (req, reply) => {
        if (!holder.current.printer(req.params.id))
          throw new EdgeError(ErrorCode.Printing_PrinterNotFound, `no zpl-printer device '${req.params.id}'`);
        return answer(holder.current.submitTestPrint(req.params.id, req.caller?.username ?? null), reply);
      },
    );

    app.get(
      '/labels/:file',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'Preview a label of a catalog item: {template}.zpl or {template}.pdf',
          params: Type.Object({ file: Type.String({ pattern: '^[a-z0-9-]+\\.(zpl|pdf)$' }) }),
          querystring: Type.Object({
            sku: Type.String({ minLength: 1, maxLength: 128 }),
            printerId: Type.Optional(Type.String({ minLength: 1 })),
            at: Type.Optional(
              Type.String({
                pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$',
                description:
                  'the instant the label is for (default now): its price in force (CONTRACT.md v2)',
              }),
            ),
          }),
          response: {
            200: {
              description: 'the label as ZPL (text/plain) or as a PDF',
              content: {
                'text/plain': { schema: Type.String() },
                'application/pdf': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
              },
            },
            ...problems(400, ...SECURED, 404, 422),
          },
        },
      },
      async (req, reply) => {
        const dot = req.params.file.lastIndexOf('.');
        const template = req.params.file.slice(0, dot);
        const format = req.params.file.slice(dot + 1);
        if (!isTemplateName(template)) {
          throw new EdgeError(
            ErrorCode.Printing_UnknownTemplate,
            `unknown template '${template}' (one of: ${templateNames.join(', ')})`,
          );
        }
        const { sku, printerId, at } = req.query;
        const printer = printerId ? holder.current.printer(printerId) : undefined;
        if (printerId && !printer)
          throw new EdgeError(ErrorCode.Printing_PrinterNotFound, `no zpl-printer device '${printerId}'`);
        let labelReq: ReturnType<typeof catalogLabelRequests>[number];
        try {
          const reqs = catalogLabelRequests(
            {
              catalog: holder.current.catalog,
              labels: holder.current.labelSettings,
              printer,
              prices: holder.current.pricesAt(at ? new Date(at) : undefined),
            },
            template,
            [{ sku, copies: 1 }],
          );
          labelReq = reqs[0] as (typeof reqs)[number];
        } catch (err) {
          if (!(err instanceof LabelRequestError)) throw err;
          if (err.problems.some((p) => p.path === '/items/0/sku'))
            throw new EdgeError(ErrorCode.Printing_ItemNotFound, `no item with sku '${sku}'`);
          if (err.problems.some((p) => p.path === '/template'))
            throw new EdgeError(ErrorCode.Printing_UnknownTemplate, err.message);
          throw unprocessable(err);
        }
        try {
          if (format === 'zpl') return reply.type('text/plain; charset=utf-8').send(renderZpl(labelReq));
          return reply.type('application/pdf').send(await renderPdf(labelReq));
        } catch (err) {
          if (err instanceof LabelDataError)
            throw unprocessable(new LabelRequestError(err.issues.map((i) => ({ ...i }))));
          throw err;
        }
      },
    );
  };
}
