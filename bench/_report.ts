/** One benchmark figure, printed as a JSON line (the format every `npm run bench` target uses). */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The raw limit measured in the same run, where one applies. */
  limit?: number;
  /** value / limit (or limit / value for latencies, where smaller is better). */
  ratio?: number;
  [extra: string]: unknown;
}

export function report(figure: Figure): void {
  const rounded: Figure = { ...figure, value: round(figure.value) };
  if (figure.limit !== undefined) rounded.limit = round(figure.limit);
  if (figure.ratio !== undefined) rounded.ratio = Math.round(figure.ratio * 1000) / 1000;
  process.stdout.write(`${JSON.stringify(rounded)}\n`);
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000;
}

/** p-th percentile (0..100) of an unsorted sample. */
export function percentile(sample: number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}
