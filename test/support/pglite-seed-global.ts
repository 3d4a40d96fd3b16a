import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { openStore } from "../../src/store/db";
import { migratedMemoryStoreFiles } from "../../src/store/pglite";

declare module "vitest" {
  export interface ProvidedContext {
    /** A migrated memory store's files (test/support/pglite-seed.ts). */
    pgliteSeed: string;
  }
}

/**
 * Migrates one memory store before any test file runs and leaves its files on disk: every file
 * runs in a context of its own, and its first memory store would otherwise run PostgreSQL's
 * initdb and the migrations again (about 4.5 s of each file's time).
 */
export default async function setup(project: TestProject) {
  const store = openStore({ databaseUrl: undefined, dataDir: "memory://seed", poolSize: 1 });
  await store.migrate();
  const files = migratedMemoryStoreFiles();
  await store.close();
  const dir = mkdtempSync(join(tmpdir(), "herald-pglite-seed-"));
  const path = join(dir, "store.tar");
  if (files) writeFileSync(path, Buffer.from(await files.arrayBuffer()));
  project.provide("pgliteSeed", files ? path : "");
  return () => rmSync(dir, { recursive: true, force: true });
}
