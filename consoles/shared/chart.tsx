import { num, shortDate } from './i18n.js';

export interface Point {
  t: number;
  v: number;
}

function niceTicks(min: number, max: number, count = 4): number[] {
  if (min === max) return [min];
  const span = max - min;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/**
 * A line chart in plain SVG (no chart library, nothing from a CDN). `step` draws a value as held
 * until the next point (stock over time); otherwise points are joined directly (lag samples).
 */
export function LineChart(props: {
  points: Point[];
  label: string;
  unit?: (v: number) => string;
  step?: boolean;
  /** Whole numbers only (counts): no fractional ticks. */
  integer?: boolean;
  until?: number;
  height?: number;
}) {
  const W = 640;
  const H = props.height ?? 200;
  const pad = { l: 52, r: 12, t: 12, b: 28 };
  const pts = [...props.points].sort((a, b) => a.t - b.t);
  const fmt = props.unit ?? ((v: number) => num(v));
  if (pts.length === 0) return null;
  const last = pts[pts.length - 1] as Point;
  const end = Math.max(props.until ?? last.t, last.t);
  if (props.step) pts.push({ t: end, v: last.v });
  const t0 = (pts[0] as Point).t;
  const t1 = end > t0 ? end : t0 + 1;
  const vs = pts.map((p) => p.v);
  const vmin = Math.min(0, ...vs);
  const vmax = Math.max(1, ...vs);
  const x = (t: number) => pad.l + ((t - t0) / (t1 - t0)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - (v - vmin) / (vmax - vmin)) * (H - pad.t - pad.b);
  let d = '';
  pts.forEach((p, i) => {
    if (i === 0) d += `M${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
    else if (props.step) d += `H${x(p.t).toFixed(1)}V${y(p.v).toFixed(1)}`;
    else d += `L${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
  });
  const area = `${d}V${y(vmin).toFixed(1)}H${x(t0).toFixed(1)}Z`;
  // Counts (a backlog) have no half movements: only whole ticks then.
  const ticks = niceTicks(vmin, vmax).filter((v) => !props.integer || Number.isInteger(v));
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label}>
        <title>{props.label}</title>
        {ticks.map((v) => (
          <g key={v}>
            <line class="grid" x1={pad.l} x2={W - pad.r} y1={y(v)} y2={y(v)} />
            <text class="axis" x={pad.l - 6} y={y(v) + 4} text-anchor="end">
              {fmt(v)}
            </text>
          </g>
        ))}
        <path class="area" d={area} />
        <path class="line" d={d} />
        <text class="axis" x={pad.l} y={H - 8}>
          {shortDate(t0)}
        </text>
        <text class="axis" x={W - pad.r} y={H - 8} text-anchor="end">
          {shortDate(t1)}
        </text>
      </svg>
    </figure>
  );
}
