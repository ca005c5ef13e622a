const formatters = new Map<string, Intl.NumberFormat>();

/**
 * `2.49`, `EUR`, `en-IE` → `€2.49`. Formatters are cached: building one costs ~50 µs. A
 * decimal string is formatted exactly (Intl.NumberFormat v3 reads it as a decimal, not a
 * float), rounded half-expand to the currency's digits.
 */
export function formatMoney(amount: number | string, currency: string, locale: string): string {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, f);
  }
  // The lib typings predate Intl.NumberFormat v3's string overload (Node ≥ 19 has it).
  return f.format(amount as number);
}

/** Unit price as EU Directive 98/6/EC asks shops to show it: `€4.98/kg`. */
export function formatUnitPrice(
  amount: number | string,
  unit: string,
  currency: string,
  locale: string,
): string {
  return `${formatMoney(amount, currency, locale)}/${unit}`;
}

/** Checks a locale and currency code, with a message a person can act on (cached when valid). */
export function checkLocaleAndCurrency(locale: string, currency: string): string | null {
  if (formatters.has(`${locale}|${currency}`)) return null;
  try {
    formatMoney(0, currency, locale);
    return null;
  } catch (err) {
    return `locale '${locale}' / currency '${currency}': ${(err as Error).message}`;
  }
}
