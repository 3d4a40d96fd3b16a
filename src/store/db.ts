import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema";

export type Schema = typeof schema;
/** The same Drizzle database whether PGlite or a PostgreSQL server is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Store {
  db: Db;
  kind: "pglite" | "postgres";
  /** Applies the migrations in drizzle/ that have not been applied yet. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATION_LOCK_ID = 7460398;
export const MIGRATIONS_DIR = join(import.meta.dirname, "..", "..", "drizzle");

export interface StoreOptions {
  /** postgres://… for a PostgreSQL server; otherwise PGlite in `dataDir` ("memory://" keeps it in memory). */
  databaseUrl?: string;
  dataDir: string;
  /** Connections to a PostgreSQL server. */
  poolSize?: number;
}

export function openStore(options: StoreOptions): Store {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10)
    : openPglite(options.dataDir);
}

function openPostgres(url: string, poolSize: number): Store {
  const client = postgres(url, { max: poolSize, onnotice: () => {} });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    async migrate() {
      // Several Herald processes may start at once against one server: one migrates, the others wait.
      const lock = await client.reserve();
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
        await migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
      } finally {
        await lock`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
        lock.release();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

function openPglite(dataDir: string): Store {
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    migrate: () => migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_DIR }),
    close: () => client.close(),
  };
}

/** Runs raw SQL and returns its rows, whichever driver is behind `db`. */
export async function queryRows<Row>(db: Db, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as Row[] | { rows: Row[] };
  return Array.isArray(result) ? result : result.rows;
}

/** True when every migration in drizzle/ has been applied. */
export async function migrationsApplied(db: Db): Promise<boolean> {
  const { readMigrationFiles } = await import("drizzle-orm/migrator");
  const expected = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR });
  try {
    const rows = await queryRows<{ hash: string }>(db, sql`select hash from drizzle.__drizzle_migrations`);
    const applied = new Set(rows.map((row) => row.hash));
    return expected.every((migration) => applied.has(migration.hash));
  } catch {
    return false;
  }
}
