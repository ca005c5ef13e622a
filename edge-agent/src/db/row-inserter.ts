import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/**
 * Inserts rows in multi-row INSERT statements of up to 20 rows: per row, binding the values is
 * what remains; the statement's step and reset are shared (measured with better-sqlite3, 200,000
 * ledger rows: 5.3 µs a row one at a time, 3.4 µs twenty at a time).
 */
export class RowInserter {
  static readonly CHUNK = 20;
  private readonly statements = new Map<number, Statement>();
  private values: unknown[] = [];
  private rows = 0;

  constructor(
    private readonly db: Db,
    /** `INSERT INTO table (columns) VALUES`, without the tuples. */
    private readonly head: string,
    private readonly width: number,
  ) {}

  add(...values: unknown[]): void {
    for (const v of values) this.values.push(v);
    if (++this.rows === RowInserter.CHUNK) this.flush();
  }

  flush(): void {
    if (this.rows === 0) return;
    this.statement(this.rows).run(this.values);
    this.clear();
  }

  clear(): void {
    this.values = [];
    this.rows = 0;
  }

  private statement(rows: number): Statement {
    let st = this.statements.get(rows);
    if (!st) {
      const tuple = `(${Array(this.width).fill('?').join(', ')})`;
      st = this.db.prepare(`${this.head} ${Array(rows).fill(tuple).join(', ')}`);
      this.statements.set(rows, st);
    }
    return st;
  }
}
