// `store-edge cloud replenish`: a replenishment run per tenant straight on the database, for the
// cloud chart's nightly CronJob (charts/cloud/templates/replenish-cronjob.yaml). It takes the
// same per-tenant lease as POST /v1/replenishment/runs, so it never runs beside a buyer's run
// or another replica's (docs/replenishment.md).
import { parseArgs } from 'node:util';
import { createPool, type Pool } from '../db.js';
import { redact } from '../migrate.js';
import { HttpProblem } from '../problem.js';
import { runReplenishment } from './run.js';

export const replenishUsage = `usage: store-edge cloud replenish (--tenant ID ... | --all-tenants) [--max-lag-minutes N]

Runs replenishment for every store of the tenant(s): proposals, and stores held back whose
replication is older than the limit. Prints progress and a summary.
Exit 0: every run finished. 1: a run failed. 2: bad arguments. 75: another run of a tenant was
in progress (try later).

Environment: STORE_EDGE_MYSQL_URL (default mysql://root@127.0.0.1:3306/store_edge),
STORE_EDGE_REPLENISH_MAX_LAG_MINUTES (120; --max-lag-minutes wins).
`;

/** EX_TEMPFAIL (sysexits.h): another run holds a tenant's lease; running later will do. */
const EXIT_BUSY = 75;

export interface ReplenishCliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  now?: () => Date;
}

/** Answers the exit code. */
export async function replenishCli(argv: string[], io: ReplenishCliIo): Promise<number> {
  let values: { tenant?: string[]; 'all-tenants'?: boolean; 'max-lag-minutes'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string', multiple: true },
        'all-tenants': { type: 'boolean' },
        'max-lag-minutes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(
      `store-edge cloud replenish: ${err instanceof Error ? err.message : String(err)}\n\n${replenishUsage}`,
    );
    return 2;
  }
  if (values.help) {
    io.out(replenishUsage);
    return 0;
  }
  if (!values.tenant === !values['all-tenants']) {
    io.err(`store-edge cloud replenish: name --tenant ID (repeatable) or --all-tenants\n\n${replenishUsage}`);
    return 2;
  }
  const rawLag = values['max-lag-minutes'] ?? io.env.STORE_EDGE_REPLENISH_MAX_LAG_MINUTES ?? '120';
  const maxLagMinutes = Number(rawLag);
  if (!Number.isInteger(maxLagMinutes) || maxLagMinutes < 1) {
    io.err(`store-edge cloud replenish: --max-lag-minutes must be a positive integer, got '${rawLag}'\n`);
    return 2;
  }
  const url = io.env.STORE_EDGE_MYSQL_URL || 'mysql://root@127.0.0.1:3306/store_edge';
  const pool = createPool({ url, connectionLimit: 4 });
  try {
    return await replenishTenants(pool, values.tenant ?? null, maxLagMinutes, io);
  } catch (err) {
    io.err(
      `store-edge cloud replenish: ${redact(url)}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  } finally {
    await pool.end();
  }
}

async function replenishTenants(
  pool: Pool,
  named: string[] | null,
  maxLagMinutes: number,
  io: ReplenishCliIo,
): Promise<number> {
  const [rows] = await pool.query(
    `SELECT t.id, COUNT(s.id) AS stores FROM tenants t LEFT JOIN stores s ON s.tenant_id = t.id
      ${named ? 'WHERE t.id IN (?)' : ''} GROUP BY t.id ORDER BY t.id`,
    named ? [named] : [],
  );
  const tenants = (rows as Array<{ id: string; stores: number }>).map((r) => ({
    id: r.id,
    stores: Number(r.stores),
  }));
  const missing = (named ?? []).filter((n) => !tenants.some((t) => t.id === n));
  if (missing.length > 0) {
    io.err(`store-edge cloud replenish: no tenant ${missing.map((m) => `'${m}'`).join(', ')}\n`);
    return 1;
  }
  const total = tenants.reduce((n, t) => n + t.stores, 0);
  const now = io.now ?? (() => new Date());
  let before = 0;
  let code = 0;
  let proposals = 0;
  let heldBack = 0;
  const t0 = performance.now();
  for (const tenant of tenants) {
    let lastPrint = 0;
    try {
      const summary = await runReplenishment(pool, {
        tenantId: tenant.id,
        scope: { tenantId: null, stores: null },
        now,
        maxLagMinutes,
        onProgress: (p) => {
          // At most one line a second (plus the last): a log, not a flood.
          const t = performance.now();
          if (p.storesDone < p.storesTotal && t - lastPrint < 1000) return;
          lastPrint = t;
          io.out(
            `${tenant.id}: stores ${before + p.storesDone}/${total} done, ${p.proposals} proposal(s) so far\n`,
          );
        },
      });
      proposals += summary.proposals;
      heldBack += summary.heldBack.length;
      io.out(
        `${tenant.id}: run ${summary.id}: ${summary.storesTotal} store(s), ${summary.proposals} proposal(s), ${summary.heldBack.length} held back\n`,
      );
      for (const h of summary.heldBack) io.out(`  held back ${h.storeId}: ${h.reason}\n`);
    } catch (err) {
      if (err instanceof HttpProblem && err.extra.code === 'run-in-progress') {
        io.err(`${tenant.id}: ${err.message}\n`);
        if (code === 0) code = EXIT_BUSY;
      } else {
        io.err(`${tenant.id}: run failed: ${err instanceof Error ? err.message : String(err)}\n`);
        code = 1;
      }
    }
    before += tenant.stores;
  }
  io.out(
    `replenish: ${tenants.length} tenant(s), ${total} store(s), ${proposals} proposal(s), ${heldBack} held back, ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s${code === 0 ? '' : ' (with failures)'}\n`,
  );
  return code;
}
