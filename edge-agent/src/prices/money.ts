/**
 * Exact money arithmetic for prices in force: amounts as integers of 1/10,000 (the 4 fractional
 * digits the protocol allows), never floats (CONTRACT.md: amounts are kept exact).
 */
const SCALE = 10_000n;

export function toUnits(amount: string): bigint {
  const [int = '0', frac = ''] = amount.split('.');
  return BigInt(int) * SCALE + BigInt(frac.padEnd(4, '0').slice(0, 4));
}

const digitsCache = new Map<string, number>();

/** The currency's minor-unit digits (ISO 4217 through Intl: EUR 2, JPY 0); 2 when unknown. */
export function minorDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits as number;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d ?? 2);
  }
  return d ?? 2;
}

/** The decimal text of an amount in units, with the currency's digits (`0.70`, `12`). */
export function formatUnits(units: bigint, currency: string): string {
  const digits = Math.min(4, minorDigits(currency));
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const int = abs / SCALE;
  const frac = (abs % SCALE).toString().padStart(4, '0');
  const kept = frac.slice(0, digits);
  const rest = frac.slice(digits).replace(/0+$/, '');
  const text = `${int}${kept || rest ? '.' : ''}${kept}${rest}`;
  return neg ? `-${text}` : text;
}
