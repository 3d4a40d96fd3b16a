import { inject } from "vitest";
import { databaseUrl, onServer } from "./postgres-server";

export type StoreKind = "pglite" | "postgres";

/** PGlite always; a real PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export function storeKinds(): StoreKind[] {
  return process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

export interface TestDatabase {
  /** DATABASE_URL for the gateway: a fresh PostgreSQL database, or undefined for in-memory PGlite. */
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test: nothing leaks between tests or suites running in parallel.
 * It is already migrated (a copy of test/support/postgres-template-global.ts's database), unless
 * `empty` asks for one with no tables, for tests of the migrations themselves.
 */
export async function createTestDatabase(kind: StoreKind, { empty = false } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (kind === "pglite" || !serverUrl) return { databaseUrl: undefined, drop: async () => {} };
  const name = `herald_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const template = empty ? "" : inject("postgresTemplate");
  await onServer(serverUrl, `create database ${name}${template ? ` template ${template}` : ""}`);
  return {
    databaseUrl: databaseUrl(serverUrl, name),
    drop: () => onServer(serverUrl, `drop database if exists ${name} with (force)`),
  };
}
