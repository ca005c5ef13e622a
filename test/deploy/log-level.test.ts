// The charts' `logLevel` reaches both processes (issue 14): render each chart, take the variable
// it sets to the chosen level, start the real process with that variable, and see the level
// take effect (the `info` start-up line appears at info and not at error).
import { createTestDatabase, makeTempDir, startAgent, startCloudProcess } from '@store-edge/testing';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { checkChart, helmBinary, type K8sObject } from '../../scripts/charts-check.js';

interface Env {
  name: string;
  value?: string;
}

beforeAll(async () => {
  await helmBinary();
}, 120_000);

/** The name of the variable a chart sets from `logLevel` (rendered with an unmistakable level). */
async function logLevelVariable(chart: string, kind: string): Promise<string> {
  const result = await checkChart(chart, undefined, { set: ['logLevel=trace'] });
  expect(result.errors).toEqual([]);
  const workload = result.objects.find((o: K8sObject) => o.kind === kind) as unknown as {
    spec: { template: { spec: { containers: Array<{ env?: Env[] }> } } };
  };
  const env = workload.spec.template.spec.containers.flatMap((c) => c.env ?? []);
  const set = env.filter((e) => e.value === 'trace').map((e) => e.name);
  expect(set).toHaveLength(1);
  return set[0] as string;
}

describe('log level from the Helm charts', () => {
  it('the edge agent reads the variable its chart sets', async () => {
    const name = await logLevelVariable('charts/edge-agent', 'StatefulSet');
    expect(name).toBe('STORE_EDGE_LOG_LEVEL');
    for (const [level, shows] of [
      ['info', true],
      ['error', false],
    ] as const) {
      const dir = makeTempDir('log-level-');
      const agent = await startAgent({
        dataDir: dir.path,
        env: { STORE_EDGE_MQTT_PORT: '0', [name]: level },
      });
      try {
        expect(agent.output().includes('edge agent ready'), `${name}=${level}`).toBe(shows);
      } finally {
        agent.kill('SIGTERM');
        await agent.exited;
        dir.remove();
      }
    }
  }, 120_000);

  it('the cloud reads the variable its chart sets', async () => {
    const name = await logLevelVariable('charts/cloud', 'Deployment');
    expect(name).toBe('STORE_EDGE_LOG_LEVEL');
    const db = await createTestDatabase(inject('mysqlUrl'), 'se_loglevel');
    try {
      for (const [level, shows] of [
        ['info', true],
        ['error', false],
      ] as const) {
        const cloud = await startCloudProcess({
          mysqlUrl: db.url,
          adminToken: 'log-level-admin-token-0123456789',
          env: { [name]: level },
        });
        try {
          // The listening line is written right before /readyz answers: give it its turn.
          await new Promise((r) => setTimeout(r, 200));
          expect(cloud.output().includes('store-edge cloud listening'), `${name}=${level}`).toBe(shows);
        } finally {
          await cloud.stop();
        }
      }
      const bad = await startCloudProcess({
        mysqlUrl: db.url,
        adminToken: 'log-level-admin-token-0123456789',
        env: { [name]: 'loud' },
      }).catch((err: unknown) => String(err));
      expect(bad).toMatch(/STORE_EDGE_LOG_LEVEL: must be one of/);
    } finally {
      await db.drop();
    }
  }, 120_000);
});
