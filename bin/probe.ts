// `store-edge probe` (CONTRACT.md v2 "Operations"): a synthetic user journey through a live
// edge + cloud pair, run after every deploy (helm test) and on a schedule (CronJob).
//
// receive → adjust → reserve → ship of a dedicated probe sku, each through the path a real user
// takes: staff post `receive` and `adjust` on the edge; head office asks the cloud for a
// reservation (`POST /v1/reservations`), which the store accepts from its change feed with a
// `reserve` movement; staff ship it on the edge with `ref` = the reservation. A step passes when
// its movement is in the cloud at the seq the edge gave it, with its id, exactly once, and the
// cloud's stock of the probe sku equals the edge's. The probe sku keeps probe stock apart from
// real goods, and each run nets to zero (+2, −1, reserve 1, ship 1).
//
// Exit 0: every step landed. 1: a step failed (named on stderr and in its JSON line). 2: usage.
import { randomUUID } from 'node:crypto';
import { MovementsPageSchema, ReservationSchema } from '@store-edge/protocol';
import { type Static, type TSchema, Type } from 'typebox';
import Value from 'typebox/value';

export const STEPS = ['receive', 'adjust', 'reserve', 'ship'] as const;
export type StepName = 'setup' | (typeof STEPS)[number];

export interface StepResult {
  step: StepName;
  ok: boolean;
  ms: number;
  detail: string;
  seq?: number;
  movementId?: string;
  reservationId?: string;
}

export interface ProbeOptions {
  edge: string;
  edgeUser: string;
  edgePassword: string;
  cloud: string;
  cloudToken: string;
  sku: string;
  location: string;
  /** How long one step may take to land in the cloud. */
  stepTimeoutMs: number;
  pollMs: number;
  /** Each finished step, as it finishes. */
  onStep?: (r: StepResult) => void;
  /** Injected for tests; wall time otherwise. */
  now?: () => number;
}

// --- HTTP with parsed answers ----------------------------------------------------------------

class StepFailure extends Error {}

async function call<S extends TSchema>(
  method: string,
  url: string,
  token: string | null,
  schema: S,
  body?: unknown,
): Promise<Static<S>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new StepFailure(`${method} ${redactUrl(url)}: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    throw new StepFailure(`${method} ${redactUrl(url)} answered ${res.status}: ${text.slice(0, 300)}`);
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new StepFailure(`${method} ${redactUrl(url)}: not JSON`);
  }
  if (!Value.Check(schema, json)) {
    const first = [...Value.Errors(schema, json)][0];
    throw new StepFailure(
      `${method} ${redactUrl(url)}: unexpected answer (${first?.instancePath || '/'} ${first?.message ?? ''})`,
    );
  }
  return json;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

const TokenAnswer = Type.Object({ token: Type.String(), role: Type.String() });
const Replication = Type.Object({
  storeId: Type.String(),
  pending: Type.Optional(Type.Number()),
  lastError: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  online: Type.Optional(Type.Boolean()),
});
const Results = Type.Object({
  results: Type.Array(Type.Object({ id: Type.String(), seq: Type.Integer(), status: Type.String() })),
});
const EdgeMovements = Type.Object({
  movements: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      id: Type.String(),
      type: Type.String(),
      ref: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    }),
  ),
});
const StockRow = Type.Object({
  location: Type.String(),
  onHand: Type.Integer(),
  reserved: Type.Integer(),
});
const EdgeStock = Type.Object({ items: Type.Array(StockRow) });
const CloudStock = Type.Object({
  stores: Type.Array(Type.Intersect([StockRow, Type.Object({ storeId: Type.String() })])),
});
const Anything = Type.Unknown();

// --- the journey -----------------------------------------------------------------------------

/** Runs the four steps; stops at the first that fails. Returns every step's result. */
export async function runProbe(o: ProbeOptions): Promise<StepResult[]> {
  const now = o.now ?? (() => performance.now());
  const edge = o.edge.replace(/\/+$/, '');
  const cloud = o.cloud.replace(/\/+$/, '');
  const results: StepResult[] = [];
  const runId = randomUUID();
  let token = '';
  let storeId = '';

  const step = async (
    name: StepName,
    body: () => Promise<Omit<StepResult, 'step' | 'ok' | 'ms'>>,
  ): Promise<boolean> => {
    const t0 = now();
    let result: StepResult;
    try {
      result = { step: name, ok: true, ms: 0, ...(await body()) };
    } catch (err) {
      if (!(err instanceof StepFailure)) throw err;
      result = { step: name, ok: false, ms: 0, detail: err.message };
    }
    result.ms = Math.round(now() - t0);
    results.push(result);
    o.onStep?.(result);
    return result.ok;
  };

  const edgeCall = <S extends TSchema>(method: string, path: string, schema: S, body?: unknown) =>
    call(method, `${edge}/api/v1${path}`, token, schema, body);
  const cloudCall = <S extends TSchema>(method: string, path: string, schema: S, body?: unknown) =>
    call(method, `${cloud}/v1${path}`, o.cloudToken, schema, body);

  /** Polls until `check` answers a value, or fails the step with what was seen last. */
  const until = async <T>(what: string, check: () => Promise<T | null>): Promise<T> => {
    const deadline = now() + o.stepTimeoutMs;
    let last = '';
    for (;;) {
      try {
        const v = await check();
        if (v !== null) return v;
      } catch (err) {
        if (!(err instanceof StepFailure)) throw err;
        last = err.message;
      }
      if (now() > deadline) {
        // What the edge says about its link is usually the reason.
        const rep = await edgeCall('GET', '/replication', Replication).catch(() => null);
        const link = rep ? ` (edge: pending ${rep.pending}, lastError ${JSON.stringify(rep.lastError)})` : '';
        throw new StepFailure(
          `${what} not within ${o.stepTimeoutMs / 1000} s${last ? `: ${last}` : ''}${link}`,
        );
      }
      await new Promise((r) => setTimeout(r, o.pollMs));
    }
  };

  /** The movement is in the cloud at `seq` with its id, once, and both stocks of the sku agree. */
  const landedOnce = async (seq: number, id: string): Promise<string> => {
    await until(`movement ${id} (seq ${seq}) in the cloud`, async () => {
      const page = await cloudCall(
        'GET',
        `/stores/${encodeURIComponent(storeId)}/movements?afterSeq=${seq - 1}&limit=1`,
        MovementsPageSchema,
      );
      const at = page.movements[0];
      if (!at || at.seq !== seq) return null;
      if (at.movement.id.toLowerCase() !== id.toLowerCase()) {
        throw new StepFailure(`the cloud holds movement ${at.movement.id} at seq ${seq}, not ${id}`);
      }
      return true;
    });
    // Exactly once shows in the projection: a movement applied twice (or lost) moves the
    // cloud's stock of the probe sku away from the edge's.
    return until('cloud stock of the probe sku equal to the edge', async () => {
      const [e, c] = await Promise.all([
        edgeCall('GET', `/stock?sku=${encodeURIComponent(o.sku)}`, EdgeStock),
        cloudCall('GET', `/stock?sku=${encodeURIComponent(o.sku)}`, CloudStock),
      ]);
      const key = (r: { location: string; onHand: number; reserved: number }) =>
        r.onHand === 0 && r.reserved === 0 ? null : `${r.location}:${r.onHand}/${r.reserved}`;
      const es = e.items
        .map(key)
        .filter((k) => k !== null)
        .sort()
        .join(',');
      const cs = c.stores
        .filter((r) => r.storeId === storeId)
        .map(key)
        .filter((k) => k !== null)
        .sort()
        .join(',');
      if (es !== cs) throw new StepFailure(`stock differs: edge ${es || 'none'}, cloud ${cs || 'none'}`);
      return `landed once at seq ${seq}; stock ${es || 'zero'} on both sides`;
    });
  };

  const post = async (movement: Record<string, unknown>) => {
    const id = randomUUID();
    const r = await edgeCall('POST', '/movements', Results, {
      movements: [{ id, sku: o.sku, location: o.location, ...movement }],
    });
    const seq = r.results[0]?.seq;
    if (seq === undefined) throw new StepFailure('the edge answered no seq');
    return { id, seq };
  };

  const setupOk = await step('setup', async () => {
    ({ token } = await call('POST', `${edge}/api/v1/auth/token`, null, TokenAnswer, {
      username: o.edgeUser,
      password: o.edgePassword,
    }));
    ({ storeId } = await edgeCall('GET', '/replication', Replication));
    // The probe sku: created once per store, so probe stock never mixes with real goods.
    const known = await edgeCall('GET', `/items/${encodeURIComponent(o.sku)}`, Anything)
      .then(() => true)
      .catch(() => false);
    if (!known) {
      await edgeCall('PUT', `/items/${encodeURIComponent(o.sku)}`, Anything, {
        name: 'store-edge synthetic probe (not for sale)',
        gtins: [],
        price: { amount: '0.00', currency: 'EUR' },
      });
    }
    return { detail: `store ${storeId}, sku ${o.sku}${known ? '' : ' (created)'}, run ${runId}` };
  });
  if (!setupOk) return results;

  const reason = `synthetic probe ${runId}`;
  let reservationId = '';
  let lastSeq = 0;
  const plan: Array<[StepName, () => Promise<Omit<StepResult, 'step' | 'ok' | 'ms'>>]> = [
    [
      'receive',
      async () => {
        const m = await post({ type: 'receive', qty: 2, ref: `probe-${runId}`, reason });
        return { seq: m.seq, movementId: m.id, detail: await landedOnce(m.seq, m.id) };
      },
    ],
    [
      'adjust',
      async () => {
        const m = await post({ type: 'adjust', qty: -1, reason });
        lastSeq = m.seq;
        return { seq: m.seq, movementId: m.id, detail: await landedOnce(m.seq, m.id) };
      },
    ],
    [
      'reserve',
      async () => {
        const res = await cloudCall('POST', '/reservations', ReservationSchema, {
          storeId,
          sku: o.sku,
          qty: 1,
          ref: `probe-${runId}`,
        });
        reservationId = res.id;
        // The store answers from its change feed; the answer replicates back.
        const status = await until(`reservation ${res.id} answered by the store`, async () => {
          const r = await cloudCall('GET', `/reservations/${res.id}`, ReservationSchema);
          return r.status === 'requested' ? null : r.status;
        });
        if (status !== 'accepted') throw new StepFailure(`reservation ${res.id} was ${status}, not accepted`);
        const m = await until('the reserve movement on the edge', async () => {
          const page = await edgeCall(
            'GET',
            `/movements?sku=${encodeURIComponent(o.sku)}&afterSeq=${lastSeq}&limit=1000`,
            EdgeMovements,
          );
          return page.movements.find((x) => x.type === 'reserve' && x.ref === res.id) ?? null;
        });
        return { reservationId: res.id, seq: m.seq, movementId: m.id, detail: await landedOnce(m.seq, m.id) };
      },
    ],
    [
      'ship',
      async () => {
        const m = await post({ type: 'ship', qty: 1, ref: reservationId });
        const detail = await landedOnce(m.seq, m.id);
        const status = await until(`reservation ${reservationId} fulfilled in the cloud`, async () => {
          const r = await cloudCall('GET', `/reservations/${reservationId}`, ReservationSchema);
          return r.status === 'fulfilled' ? r.status : null;
        });
        return { reservationId, seq: m.seq, movementId: m.id, detail: `${detail}; reservation ${status}` };
      },
    ],
  ];
  for (const [name, body] of plan) if (!(await step(name, body))) break;
  return results;
}
