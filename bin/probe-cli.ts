// `store-edge probe` command line: options, one run (exit code) or a long-running metrics server.
// Exit 0: every step landed. 1: a step failed (named on stderr and in its JSON line). 2: usage.
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import { type ProbeOptions, runProbe, STEPS, type StepResult } from './probe.js';
import { probeMetrics, writeMetricsFile } from './probe-metrics.js';

const usage = `store-edge probe --edge URL --edge-user U --edge-password P --cloud URL --cloud-token T
    [--sku store-edge-probe] [--location store] [--step-timeout-seconds 60]
    [--metrics-file FILE] [--serve-metrics PORT --interval-seconds 300]

receive -> adjust -> reserve -> ship of the probe sku through a live edge + cloud pair.
One JSON line per step {step, ok, ms, detail}; exit 0 when each step landed in the cloud
exactly once, 1 naming the failed step otherwise.
The password and token may come from STORE_EDGE_PROBE_EDGE_PASSWORD and
STORE_EDGE_PROBE_CLOUD_TOKEN instead (keeps them out of the process list).
The edge user needs the manager (or admin) role: adjust is a manager's movement.
--metrics-file: writes Prometheus text (node_exporter textfile collector format) after the run.
--serve-metrics: runs every --interval-seconds and serves GET /metrics on PORT.
`;

export async function probeCli(argv: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        edge: { type: 'string' },
        'edge-user': { type: 'string' },
        'edge-password': { type: 'string' },
        cloud: { type: 'string' },
        'cloud-token': { type: 'string' },
        sku: { type: 'string', default: 'store-edge-probe' },
        location: { type: 'string', default: 'store' },
        'step-timeout-seconds': { type: 'string', default: '60' },
        'metrics-file': { type: 'string' },
        'serve-metrics': { type: 'string' },
        'interval-seconds': { type: 'string', default: '300' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`store-edge probe: ${(err as Error).message}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const opts = {
    edge: str('edge'),
    edgeUser: str('edge-user'),
    edgePassword: str('edge-password') ?? process.env.STORE_EDGE_PROBE_EDGE_PASSWORD,
    cloud: str('cloud'),
    cloudToken: str('cloud-token') ?? process.env.STORE_EDGE_PROBE_CLOUD_TOKEN,
  };
  const problems = Object.entries(opts)
    .filter(([, v]) => !v)
    .map(([k]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required`);
  const timeout = Number(str('step-timeout-seconds'));
  if (!(timeout > 0)) problems.push('--step-timeout-seconds must be a positive number');
  const interval = Number(str('interval-seconds'));
  if (!(interval > 0)) problems.push('--interval-seconds must be a positive number');
  const servePort = str('serve-metrics') === undefined ? undefined : Number(str('serve-metrics'));
  if (servePort !== undefined && !(Number.isInteger(servePort) && servePort >= 0 && servePort < 65536))
    problems.push('--serve-metrics must be a port number');
  for (const k of ['edge', 'cloud'] as const) {
    const u = opts[k];
    if (u && !/^https?:\/\//.test(u)) problems.push(`--${k} must be an http(s) URL`);
  }
  if (problems.length > 0) {
    process.stderr.write(`store-edge probe:\n${problems.map((p) => `- ${p}`).join('\n')}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const probe: ProbeOptions = {
    edge: opts.edge as string,
    edgeUser: opts.edgeUser as string,
    edgePassword: opts.edgePassword as string,
    cloud: opts.cloud as string,
    cloudToken: opts.cloudToken as string,
    sku: str('sku') as string,
    location: str('location') as string,
    stepTimeoutMs: timeout * 1000,
    pollMs: 250,
    onStep: (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  };
  const once = async (): Promise<StepResult[]> => {
    const results = await runProbe(probe);
    const failed = results.find((r) => !r.ok);
    if (failed) process.stderr.write(`store-edge probe: step '${failed.step}' failed: ${failed.detail}\n`);
    return results;
  };

  if (servePort === undefined) {
    const results = await once();
    const metricsFile = str('metrics-file');
    if (metricsFile) writeMetricsFile(metricsFile, probeMetrics(results, Date.now()));
    process.exitCode = results.length === STEPS.length + 1 && results.every((r) => r.ok) ? 0 : 1;
    return;
  }
  // Long-running mode: a Deployment scraped by Prometheus instead of a CronJob.
  let latest = '# no run finished yet\n';
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics' || req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(req.url === '/metrics' ? latest : 'ok\n');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(servePort, r));
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());
  while (!stop.signal.aborted) {
    latest = probeMetrics(await once(), Date.now());
    await new Promise<void>((r) => {
      const t = setTimeout(r, interval * 1000);
      stop.signal.addEventListener('abort', () => {
        clearTimeout(t);
        r();
      });
    });
  }
  await new Promise((r) => server.close(r));
}
