import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { lockDataDir } from "./data-dir-lock";
import {
  createPgliteStore,
  keepMigratedMemoryFiles,
  openMemoryPgliteClient,
  openPgliteClient,
} from "./pglite";
import { preparingPglite } from "./pglite-prepared";
import { preparingAll } from "./prepared";
import * as schema from "./schema";

export type Schema = typeof schema;
/** The same Drizzle database whether PGlite or a PostgreSQL server is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Store {
  db: Db;
  kind: "pglite" | "postgres";
  /** Applies the migrations in drizzle/ that have not been applied yet. */
  migrate(): Promise<void>;
  /** How much of the connection pool is in use now (what herald_db_pool_* report). */
  poolUse(): Promise<PoolUse>;
  /**
   * A connection of its own, for session advisory locks that live as long as it does (PostgreSQL);
   * null for the embedded store, which one process owns.
   */
  lockSession(): Promise<LockSession> | null;
  close(): Promise<void>;
}

export interface PoolUse {
  /** Connections the pool may open (1 for the embedded store). */
  max: number;
  /** Open connections running a statement, and open ones waiting for work; null when unknown. */
  active: number | null;
  idle: number | null;
}

/** Session advisory locks in one namespace (the two-key form), held on a connection of their own. */
export interface LockSession {
  lock(key: number): Promise<void>;
  /** Takes the lock if it is free (or already this session's) and says whether it did. */
  tryLock(key: number): Promise<boolean>;
  unlock(key: number): Promise<void>;
  /** Closes the connection; its locks go with it. */
  release(): Promise<void>;
}

const MIGRATION_LOCK_ID = 7460398;
const CONNECT_TIMEOUT_S = 5;
/** The namespace of the workers' locks (store/workers.ts). */
const WORKER_LOCKS = 7460399;
export const MIGRATIONS_DIR = join(import.meta.dirname, "..", "..", "drizzle");

export interface StoreOptions {
  /** postgres://… for a PostgreSQL server; otherwise PGlite in `dataDir` ("memory://" keeps it in memory). */
  databaseUrl?: string;
  dataDir: string;
  /** Connections to a PostgreSQL server. */
  poolSize?: number;
  /** Says what a slow step is doing (the first start of an embedded store takes a while). */
  progress?: (message: string) => void;
}

/** The embedded store's directory cannot be created or opened; the message names it and why. */
export class StoreOpenError extends Error {
  override name = "StoreOpenError";
}

/**
 * Opens the store. An embedded store is locked for this process until `close()`: a second
 * process opening the same directory gets DataDirLockedError at once.
 */
export function openStore(options: StoreOptions): Store {
  const progress = options.progress ?? (() => {});
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10, progress)
    : openPglite(options.dataDir, progress);
}

/**
 * Seconds a pooled connection waits before it connects again after failing, given the failures
 * the pool has counted since its last success: 0.1 s doubling to at most 1 s. The driver's
 * default grows to 20 s, so after an outage of a few seconds a connection could wait that long
 * after the server was back, holding the query queued on it (ingest answered 503 after 10 s).
 */
export function reconnectDelayS(failures: number): number {
  return Math.min(0.1 * 2 ** failures, 1);
}

function openPostgres(url: string, poolSize: number, progress: (message: string) => void): Store {
  // A name of its own, so the server's pg_stat_activity tells this pool's connections apart.
  const applicationName = `herald-${process.pid}-${randomUUID().slice(0, 8)}`;
  const client = postgres(url, {
    max: poolSize,
    // A server that does not answer a connection within this fails the query (a 503), rather
    // than holding it for the driver's default 30 s.
    connect_timeout: CONNECT_TIMEOUT_S,
    backoff: reconnectDelayS,
    onnotice: () => {},
    // Timestamps come back as text the driver parses as ISO 8601, whatever the server's
    // default: a recording finds its deliveries by their created_at (store/queue.ts).
    connection: { application_name: applicationName, DateStyle: "ISO, MDY" },
  });
  const db = drizzlePostgres(preparingAll(client), { schema }) as unknown as Db;
  const sessions = new Set<postgres.Sql>();
  return {
    db,
    kind: "postgres",
    async poolUse() {
      // The connection asking is one of the active ones.
      const [row] = await client<{ active: number; idle: number }[]>`
        select count(*) filter (where state = 'active')::int as active,
               count(*) filter (where state like 'idle%')::int as idle
        from pg_stat_activity where application_name = ${applicationName}`;
      return { max: poolSize, active: row?.active ?? 0, idle: row?.idle ?? 0 };
    },
    async lockSession() {
      // A connection apart from the pool: it holds its locks for as long as it lives, and takes
      // none of the pool's connections from the queries.
      const session = postgres(url, {
        max: 1,
        connect_timeout: CONNECT_TIMEOUT_S,
        onnotice: () => {},
        connection: { application_name: `${applicationName}-locks` },
      });
      sessions.add(session);
      return {
        lock: async (key) => void (await session`select pg_advisory_lock(${WORKER_LOCKS}, ${key})`),
        async tryLock(key) {
          const [row] = await session<{ taken: boolean }[]>`
            select pg_try_advisory_lock(${WORKER_LOCKS}, ${key}) as taken`;
          return row?.taken === true;
        },
        unlock: async (key) => void (await session`select pg_advisory_unlock(${WORKER_LOCKS}, ${key})`),
        async release() {
          sessions.delete(session);
          await session.end({ timeout: 5 });
        },
      };
    },
    async migrate() {
      // Several Herald processes may start at once against one server: one migrates, the others wait.
      progress("applying database migrations (PostgreSQL)");
      // The lock on a connection apart from the pool: a pool of one connection must still migrate.
      const lock = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
        await migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
      } finally {
        await lock.end({ timeout: 5 });
      }
    },
    async close() {
      await Promise.all([...sessions].map((session) => session.end({ timeout: 5 })));
      await client.end({ timeout: 5 });
    },
  };
}

function openPglite(dataDir: string, progress: (message: string) => void): Store {
  if (dataDir.startsWith("memory://")) {
    const client = openMemoryPgliteClient(dataDir);
    const store = pgliteStore(client, dataDir, progress);
    return {
      ...store,
      async migrate() {
        await store.migrate();
        await keepMigratedMemoryFiles(client);
      },
    };
  }
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new StoreOpenError(`cannot create the data directory ${dataDir}: ${(error as Error).message}`);
  }
  const lock = lockDataDir(dataDir);
  if (lock.tookOverFrom) {
    progress(`took over the lock of Herald process ${lock.tookOverFrom.pid}, which is no longer running`);
  }
  progress(
    fresh
      ? `creating the embedded store in ${dataDir} (the first start takes 10 to 30 seconds)`
      : `opening the embedded store in ${dataDir}`,
  );
  if (fresh) {
    try {
      createPgliteStore(dataDir);
    } catch (error) {
      lock.release();
      throw new StoreOpenError(`cannot create the embedded store in ${dataDir}: ${(error as Error).message}`);
    }
  }
  const store = pgliteStore(openPgliteClient(dataDir), dataDir, progress);
  return {
    ...store,
    async close() {
      try {
        await store.close();
      } finally {
        lock.release();
      }
    },
  };
}

function pgliteStore(client: PGlite, dataDir: string, progress: (message: string) => void): Store {
  const db = drizzlePglite(preparingPglite(client), { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    // One connection, in this process: whether it is busy at a given instant says nothing.
    poolUse: async () => ({ max: 1, active: null, idle: null }),
    lockSession: () => null,
    async migrate() {
      try {
        await client.waitReady;
        progress("applying database migrations");
        await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
      } catch (error) {
        throw new StoreOpenError(
          `cannot open the embedded store in ${dataDir}: ${describeOpenFailure(error)}. It is most likely damaged: by two processes writing it at once (possible before Herald locked its data directory), a full disk, or files copied while Herald ran. Restore it from a backup, or move it aside to start with an empty store.`,
        );
      }
    },
    close: () => client.close(),
  };
}

/** PGlite reports a broken data directory as a failed query whose cause is a WebAssembly abort. */
function describeOpenFailure(error: unknown): string {
  const messages: string[] = [];
  for (let cause = error; cause instanceof Error && messages.length < 3; cause = cause.cause) {
    messages.push(cause.message.split("\n")[0] ?? cause.name);
  }
  return messages.join(": ") || String(error);
}

/** A JSON column as the driver answers it: parsed (postgres) or as text (PGlite's json in some places). */
export function parsedJson<T>(value: T | string): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
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
