import { type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/**
 * Where a page of a newest-first list ended: the last row's time and its id, which breaks ties
 * between rows stored in the same transaction. `at` is ISO 8601 in UTC to the microsecond, as the
 * database keeps it: a JavaScript Date (milliseconds) would skip or repeat rows on a page boundary.
 */
export interface Position {
  at: string;
  id: string;
}

/** The column's time as a Position's `at`, to select beside a row. */
export function positionAt(column: PgColumn): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Rows after `position` in newest-first order of (`at`, `id`): with the two columns indexed, a seek. */
export function olderThan(at: PgColumn, id: PgColumn, position: Position, idType: "uuid" | "bigint"): SQL {
  return sql`(${at}, ${id}) < (${position.at}::timestamptz, ${position.id}::${sql.raw(idType)})`;
}

/**
 * A page from rows queried with `limit + 1`: the first `limit` rows, and where the next page
 * starts when there is one.
 */
export function pageOf<Row extends { position: string }>(
  rows: Row[],
  limit: number,
  idOf: (row: Row) => string,
): { rows: Row[]; next: Position | undefined } {
  if (rows.length <= limit) return { rows, next: undefined };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1] as Row;
  return { rows: page, next: { at: last.position, id: idOf(last) } };
}
