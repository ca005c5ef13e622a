// The replenishment formula (docs/replenishment.md "The formula"): pure, no IO, so every edge
// case is one row of a table test (formula.test.ts).

export interface ReorderRule {
  /** Reorder point: a position below it orders. */
  min: number;
  /** Order-up-to level. */
  max: number;
  /** Order in multiples of this (a case of 12: 12). At least 1. */
  multiple: number;
}

/** What a store has and has coming for one sku (units). */
export interface StockPosition {
  /** Summed over the store's locations; may be negative (a missed receipt, phantom stock). */
  onHand: number;
  reserved: number;
  /** Open purchase deliveries: expected − received per line, never below zero. */
  onOrder: number;
  /** Open inbound transfers: expected − received per line, never below zero. */
  inTransit: number;
}

/** A rule the formula refuses (the API refuses it earlier, naming the field). */
export class RuleError extends RangeError {
  constructor(
    readonly field: 'min' | 'max' | 'multiple',
    message: string,
  ) {
    super(message);
    this.name = 'RuleError';
  }
}

/** Why a rule is unusable, or null. Shared by the API's validation and the formula. */
export function ruleProblem(
  rule: ReorderRule,
): { field: 'min' | 'max' | 'multiple'; message: string } | null {
  if (!Number.isSafeInteger(rule.min) || rule.min < 0)
    return { field: 'min', message: 'must be an integer ≥ 0' };
  if (!Number.isSafeInteger(rule.max) || rule.max < 0)
    return { field: 'max', message: 'must be an integer ≥ 0' };
  if (rule.min > rule.max) return { field: 'min', message: `must be ≤ max (${rule.max})` };
  if (!Number.isSafeInteger(rule.multiple) || rule.multiple < 1)
    return { field: 'multiple', message: 'must be an integer ≥ 1' };
  return null;
}

/**
 * The position the rule compares with min: max(onHand, 0) − reserved + onOrder + inTransit.
 * On hand below zero counts as zero: shelves cannot hold fewer than none, so a negative figure
 * is a receipt or count the ledger has not seen yet (DOMAIN.md "Sales and returns"); ordering
 * to fill that hole would order goods that are probably in the store already.
 */
export function position(p: StockPosition): number {
  return Math.max(p.onHand, 0) - p.reserved + p.onOrder + p.inTransit;
}

/**
 * Units to order: when the position is below min, max − position rounded UP to the multiple
 * (a case is never split, and rounding down could leave the store below min); otherwise 0.
 */
export function proposedQty(rule: ReorderRule, p: StockPosition): number {
  const problem = ruleProblem(rule);
  if (problem) throw new RuleError(problem.field, `${problem.field} ${problem.message}`);
  const pos = position(p);
  if (pos >= rule.min) return 0;
  return Math.ceil((rule.max - pos) / rule.multiple) * rule.multiple;
}
