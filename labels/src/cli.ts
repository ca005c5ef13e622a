import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  LabelDataError,
  type LabelFormat,
  type LabelRequest,
  renderLabel,
  sampleLabelData,
} from './render.js';
import { isTemplateName, templateNames } from './templates/index.js';

const usage = `usage: store-edge label render --template T --format zpl|pdf [--data FILE]
       [--dpmm 8|12] [--size WxH (mm)] [--locale en-IE] [--currency EUR] [--copies N]

Writes one label to stdout. Without --data the template's sample data is used;
--data - reads JSON from stdin. Templates: ${templateNames.join(', ')}
`;

/** `store-edge label …` (CONTRACT.md "Command line"). */
export async function labelCli(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'render') {
    process.stderr.write(
      sub === undefined || sub === '--help' || sub === '-h'
        ? usage
        : `store-edge label: unknown command '${sub}'\n\n${usage}`,
    );
    process.exitCode = sub === undefined || sub === '--help' || sub === '-h' ? 0 : 2;
    return;
  }
  let req: LabelRequest & { format: LabelFormat };
  try {
    req = parseRenderArgs(rest);
  } catch (err) {
    process.stderr.write(`store-edge label render: ${(err as Error).message}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  try {
    const out = await renderLabel(req);
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(out, (err) => (err ? reject(err) : resolve())),
    );
  } catch (err) {
    if (err instanceof LabelDataError) {
      process.stderr.write(
        `store-edge label render: invalid label data\n${err.issues.map((i) => `- ${i.path}: ${i.message}`).join('\n')}\n`,
      );
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

function parseRenderArgs(argv: string[]): LabelRequest & { format: LabelFormat } {
  const { values } = parseArgs({
    args: argv,
    options: {
      template: { type: 'string' },
      format: { type: 'string' },
      data: { type: 'string' },
      dpmm: { type: 'string' },
      size: { type: 'string' },
      locale: { type: 'string' },
      currency: { type: 'string' },
      copies: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const template = values.template;
  if (!template) throw new Error('--template is required');
  if (!isTemplateName(template))
    throw new Error(`unknown template '${template}' (one of: ${templateNames.join(', ')})`);
  const format = values.format;
  if (format !== 'zpl' && format !== 'pdf') throw new Error('--format must be zpl or pdf');
  const req: LabelRequest & { format: LabelFormat } = { template, format, data: sampleLabelData(template) };
  if (values.data !== undefined) {
    const text = values.data === '-' ? readFileSync(0, 'utf8') : readText(values.data);
    try {
      req.data = JSON.parse(text);
    } catch (err) {
      throw new Error(`--data ${values.data}: not JSON (${(err as Error).message})`);
    }
  }
  if (values.dpmm !== undefined) {
    if (values.dpmm !== '8' && values.dpmm !== '12') throw new Error('--dpmm must be 8 or 12');
    req.dpmm = values.dpmm === '8' ? 8 : 12;
  }
  if (values.size !== undefined) {
    const m = /^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)$/.exec(values.size);
    if (!m) throw new Error('--size must be WIDTHxHEIGHT in mm, e.g. 76x51');
    req.size = { widthMm: Number(m[1]), heightMm: Number(m[2]) };
  }
  if (values.locale !== undefined) req.locale = values.locale;
  if (values.currency !== undefined) req.currency = values.currency;
  if (values.copies !== undefined) {
    if (!/^\d+$/.test(values.copies)) throw new Error('--copies must be a positive integer');
    req.copies = Number(values.copies);
  }
  return req;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `--data ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}
