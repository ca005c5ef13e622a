// `store-edge probe` results as Prometheus metrics: a textfile for node_exporter's textfile
// collector (CronJob mode) or the body of GET /metrics (--serve-metrics mode).
import { renameSync, writeFileSync } from 'node:fs';
import { STEPS, type StepName, type StepResult } from './probe.js';

/** Prometheus text exposition format 0.0.4; one sample per step, missing steps count as failed. */
export function probeMetrics(results: StepResult[], finishedAtMs: number): string {
  const lines = [
    '# HELP store_edge_probe_success 1 when the step landed in the cloud exactly once in the last run.',
    '# TYPE store_edge_probe_success gauge',
  ];
  const names: StepName[] = ['setup', ...STEPS];
  for (const name of names) {
    const r = results.find((x) => x.step === name);
    lines.push(`store_edge_probe_success{step="${name}"} ${r?.ok ? 1 : 0}`);
  }
  lines.push(
    '# HELP store_edge_probe_duration_seconds How long the step took in the last run.',
    '# TYPE store_edge_probe_duration_seconds gauge',
  );
  for (const r of results) lines.push(`store_edge_probe_duration_seconds{step="${r.step}"} ${r.ms / 1000}`);
  const ok = results.length === names.length && results.every((r) => r.ok);
  lines.push(
    '# HELP store_edge_probe_last_run_success 1 when every step of the last run passed.',
    '# TYPE store_edge_probe_last_run_success gauge',
    `store_edge_probe_last_run_success ${ok ? 1 : 0}`,
    '# HELP store_edge_probe_last_run_timestamp_seconds When the last run finished (Unix time).',
    '# TYPE store_edge_probe_last_run_timestamp_seconds gauge',
    `store_edge_probe_last_run_timestamp_seconds ${Math.round(finishedAtMs / 1000)}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Written beside and renamed, so a textfile collector never reads half a file. */
export function writeMetricsFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
