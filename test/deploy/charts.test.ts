// `npm run charts:check` as a test: the charts and k3s manifests pass, a value set that makes a
// template produce an invalid object fails, and the rendered objects have the properties the
// deployment relies on (SQLite volume, non-root, devices; probes, PDB, HPA, default deny).
// helm is unpacked once into node_modules/.cache by scripts/charts-check.ts.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from '@store-edge/testing';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckResult,
  checkAll,
  checkChart,
  helmBinary,
  type K8sObject,
  repoRoot,
} from '../../scripts/charts-check.js';

const run = promisify(execFile);

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  startupProbe?: { httpGet?: { path: string } };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; supplementalGroups?: number[] };
  volumes?: { name: string; hostPath?: { path: string } }[];
  hostNetwork?: boolean;
  priorityClassName?: string;
}
interface Workload {
  spec: {
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: {
      metadata: { name: string };
      spec: { resources: { requests: { storage: string } } };
    }[];
    replicas?: number;
  };
}

function only(result: CheckResult, kind: string, nameSuffix = ''): K8sObject {
  const found = result.objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  expect(found.map((o) => `${o.kind}/${o.metadata.name}`)).toHaveLength(1);
  return found[0]!;
}

beforeAll(async () => {
  await helmBinary();
}, 120_000);

describe('charts:check', () => {
  it('passes for every chart, value set, environment and k3s manifest', async () => {
    const results = await checkAll();
    const failures = results.filter((r) => r.errors.length > 0).flatMap((r) => r.errors);
    expect(failures).toEqual([]);
    const subjects = results.map((r) => r.subject);
    for (const env of ['dev', 'stg', 'prd']) expect(subjects).toContain(`charts/cloud + values-${env}.yaml`);
    expect(subjects).toContain('k3s/manifests/store-edge.yaml (store-edge valuesContent)');
  }, 60_000);

  it('fails when a template produces an invalid object, naming the object and the field', async () => {
    const result = await checkChart('charts/cloud', 'test/deploy/broken/cloud-invalid-quantity.yaml');
    // helm lint and the values schema accept it: only the Kubernetes schema catches it.
    expect(result.errors.some((e) => e.includes('helm lint'))).toBe(false);
    expect(result.errors.join('\n')).toMatch(
      /Deployment\/store-edge-cloud: .*resources\/limits\/cpu must match format "quantity"/,
    );
  });

  it('fails on an invalid PodSpec field in the edge chart too', async () => {
    const result = await checkChart('charts/edge-agent', 'test/deploy/broken/edge-invalid-toleration.yaml');
    expect(result.errors.join('\n')).toMatch(
      /StatefulSet\/store-edge-edge-agent: .*tolerations\/0\/effect must be string/,
    );
  });

  it('exits non-zero from the command line on a broken value set', async () => {
    const cli = run(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'scripts/charts-check.ts',
        '--chart',
        'charts/cloud',
        '--values',
        'test/deploy/broken/cloud-invalid-quantity.yaml',
      ],
      { cwd: repoRoot },
    );
    await expect(cli).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('FAIL charts/cloud'),
    });
  });
});

describe('rendered edge chart', () => {
  it('mounts the SQLite volume, runs as non-root and requests its devices from the device plugin', async () => {
    const result = await checkChart('charts/edge-agent', 'charts/edge-agent/ci/store-with-devices.yaml');
    expect(result.errors).toEqual([]);
    const sts = only(result, 'StatefulSet') as unknown as Workload;
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates?.map((c) => c.metadata.name)).toEqual(['data']);
    const pod = sts.spec.template.spec;
    const agent = pod.containers.find((c) => c.name === 'agent')!;
    expect(agent.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(agent.env).toContainEqual({ name: 'STORE_EDGE_DATA_DIR', value: '/data' });
    expect(agent.env).toContainEqual({ name: 'STORE_EDGE_STORE_ID', value: 'store-0042' });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(agent.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(agent.securityContext?.['privileged']).toBeUndefined();
    expect(agent.resources?.limits).toMatchObject({ 'squat.ai/serial': 2, 'squat.ai/usblp': 1 });
    // dialout and lp own the serial and printer nodes (k3s/udev/99-store-edge.rules).
    expect(pod.securityContext?.supplementalGroups).toEqual(expect.arrayContaining([20, 7]));
    expect(pod.priorityClassName).toBe(only(result, 'PriorityClass').metadata.name);
    const lan = only(result, 'Service', 'edge-agent') as unknown as {
      spec: { type: string; ports: { name: string }[] };
    };
    expect(lan.spec.type).toBe('LoadBalancer');
    expect(lan.spec.ports.map((p) => p.name)).toEqual(['http', 'mqtt']);
    const backup = only(result, 'CronJob') as unknown as {
      spec: { jobTemplate: { spec: { template: { spec: PodSpec } } } };
    };
    const backupPod = backup.spec.jobTemplate.spec.template.spec;
    expect(backupPod.containers[0]?.args?.[0]).toContain('bin/store-edge.mjs edge backup --out');
    expect(backupPod.containers[0]?.env).toContainEqual({ name: 'RETAIN', value: '14' });
  });

  it('mounts the TLS Secret, serves HTTPS (probes too) and offers MQTTS instead of plain MQTT', async () => {
    const result = await checkChart('charts/edge-agent', 'charts/edge-agent/ci/tls.yaml');
    expect(result.errors).toEqual([]);
    const pod = (only(result, 'StatefulSet') as unknown as Workload).spec.template.spec;
    const agent = pod.containers.find((c) => c.name === 'agent')!;
    expect(agent.env).toContainEqual({ name: 'STORE_EDGE_TLS_CERT', value: '/etc/store-edge-tls/tls.crt' });
    expect(agent.env).toContainEqual({ name: 'STORE_EDGE_TLS_KEY', value: '/etc/store-edge-tls/tls.key' });
    expect(agent.env).toContainEqual({ name: 'STORE_EDGE_MQTTS_PORT', value: '8883' });
    expect(agent.volumeMounts).toContainEqual({
      name: 'tls',
      mountPath: '/etc/store-edge-tls',
      readOnly: true,
    });
    expect(pod.volumes).toContainEqual({
      name: 'tls',
      secret: { secretName: 'store-edge-tls', defaultMode: 0o440 },
    });
    for (const probe of [agent.startupProbe, agent.livenessProbe, agent.readinessProbe])
      expect(probe?.httpGet).toMatchObject({ scheme: 'HTTPS' });
    const lan = only(result, 'Service', 'edge-agent') as unknown as { spec: { ports: { name: string }[] } };
    expect(lan.spec.ports.map((p) => p.name)).toEqual(['http', 'mqtts']);
  });

  it('opts into a privileged hostPath /dev and the node network only when asked', async () => {
    const result = await checkChart('charts/edge-agent', 'charts/edge-agent/ci/hostnetwork-hostpath.yaml');
    expect(result.errors).toEqual([]);
    const pod = (only(result, 'StatefulSet') as unknown as Workload).spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.volumes).toContainEqual({ name: 'host-dev', hostPath: { path: '/dev', type: 'Directory' } });
    expect(pod.containers[0]?.securityContext).toMatchObject({ privileged: true, runAsNonRoot: true });
    expect(
      Object.keys(pod.containers[0]?.resources?.limits ?? {}).some((k) => k.startsWith('squat.ai/')),
    ).toBe(false);
  });
});

describe('edge backup CronJob', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it("writes a readable backup with the agent's command and keeps only the newest `retention` files", async () => {
    const result = await checkChart('charts/edge-agent', undefined, {
      set: ['backup.retention=2', 'storeId=s1'],
    });
    const cron = only(result, 'CronJob') as unknown as {
      spec: { jobTemplate: { spec: { template: { spec: PodSpec } } } };
    };
    const container = cron.spec.jobTemplate.spec.template.spec.containers[0]!;
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']));
    expect(env).toMatchObject({ STORE_EDGE_DATA_DIR: '/data', RETAIN: '2' });

    const tmp = makeTempDir('store-edge-backup-');
    cleanups.push(() => tmp.remove());
    const data = join(tmp.path, 'data');
    const backups = join(tmp.path, 'backups');
    mkdirSync(data);
    mkdirSync(backups);
    const ledger = new Database(join(data, 'ledger.sqlite'));
    ledger.exec("CREATE TABLE movements (id TEXT PRIMARY KEY); INSERT INTO movements VALUES ('m-1')");
    ledger.close();
    // Three older backups (oldest first) and the leftover of an interrupted run.
    const old = [
      'store-edge-s1-20260101T031700Z.db',
      'store-edge-s1-20260102T031700Z.db',
      'store-edge-s1-20260103T031700Z.db',
    ];
    old.forEach((name, i) => {
      writeFileSync(join(backups, name), 'old');
      const t = new Date(Date.UTC(2026, 0, 1 + i)).getTime() / 1000;
      utimesSync(join(backups, name), t, t);
    });
    writeFileSync(join(backups, 'store-edge-s1-20260104T031700Z.db.partial'), 'torn');

    // The container's script, with the pod's mount points pointed at the temp dirs.
    const script = container.args![0]!.replaceAll('/backups', backups);
    const { stdout } = await run('/bin/sh', ['-ec', script], {
      cwd: repoRoot,
      env: { ...process.env, ...env, STORE_EDGE_DATA_DIR: data },
    });
    expect(stdout).toContain('backup: wrote');

    const left = readdirSync(backups).sort();
    expect(left).toHaveLength(2);
    expect(left).toContain(old[2]);
    const fresh = left.find((f) => !old.includes(f))!;
    expect(fresh).toMatch(/^store-edge-s1-\d{8}T\d{6}Z\.db$/);
    const copy = new Database(join(backups, fresh), { readonly: true });
    expect(copy.prepare('SELECT id FROM movements').all()).toEqual([{ id: 'm-1' }]);
    copy.close();
  });
});

describe('rendered cloud chart', () => {
  it('has probes, a PDB, an HPA and a default-deny NetworkPolicy over its pods', async () => {
    const result = await checkChart('charts/cloud', 'charts/cloud/values-prd.yaml', {
      namespace: 'inventory-prd',
    });
    expect(result.errors).toEqual([]);
    const deploy = only(result, 'Deployment') as unknown as Workload;
    const pod = deploy.spec.template.spec;
    const api = pod.containers[0]!;
    expect(api.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(api.readinessProbe?.httpGet?.path).toBe('/readyz');
    // Production's young generation (values-prd.yaml semiSpaceMiB; docs/scale.md).
    expect(api.args).toEqual([
      'node',
      '--max-semi-space-size=128',
      'bin/store-edge.mjs',
      'cloud',
      '--no-migrate',
    ]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(api.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    // Secrets by reference only: no literal value for the URL or the token.
    const env = api.env as {
      name: string;
      value?: string;
      valueFrom?: { secretKeyRef?: { name: string } };
    }[];
    for (const name of ['STORE_EDGE_MYSQL_URL', 'STORE_EDGE_ADMIN_TOKEN']) {
      expect(env.find((e) => e.name === name)?.valueFrom?.secretKeyRef?.name).toBe('store-edge-cloud-prd');
    }

    const pdb = only(result, 'PodDisruptionBudget') as unknown as {
      spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    };
    expect(pdb.spec.minAvailable).toBe(2);
    const podLabels = deploy.spec.template.metadata.labels;
    expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);

    const hpa = only(result, 'HorizontalPodAutoscaler') as unknown as {
      spec: { minReplicas: number; maxReplicas: number; scaleTargetRef: { kind: string; name: string } };
    };
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 12 });
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'store-edge-cloud',
    });

    const deny = only(result, 'NetworkPolicy', '-default-deny') as unknown as {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        policyTypes: string[];
        ingress?: unknown;
        egress?: unknown;
      };
    };
    expect(deny.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(deny.spec.ingress).toBeUndefined();
    expect(deny.spec.egress).toBeUndefined();
    expect(podLabels).toMatchObject(deny.spec.podSelector.matchLabels);

    const hook = only(result, 'Job') as unknown as {
      metadata: { annotations: Record<string, string> };
    } & Workload;
    expect(hook.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(hook.spec.template.spec.containers[0]?.args).toEqual([
      'node',
      'bin/store-edge.mjs',
      'cloud',
      'migrate',
    ]);
    for (const kind of ['ServiceMonitor', 'PrometheusRule', 'Ingress']) only(result, kind);
  });
});
