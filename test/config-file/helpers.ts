import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { checkConfigFile, type DesiredState, readConfigFile } from "../../src/config-file/load";
import { DEFAULT_EVENT_CATALOG } from "../../src/events/catalog";
import { openStore, type Store } from "../../src/store/db";
import { validateWebhook } from "../../src/webhooks/validate";
import { createTestDatabase, type StoreKind } from "../support/databases";
import { engine } from "../support/render";

const configDirs: string[] = [];
// Registered as the test file loads this module: the file's directories go when its tests end.
afterAll(() => {
  for (const dir of configDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A directory of its own with `herald.yaml` (and any template files beside it), removed after the
 * test file; returns the file's path.
 */
export function writeConfig(text: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "herald-config-"));
  configDirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const file = join(dir, "herald.yaml");
  writeFileSync(file, text);
  return file;
}

/** The store, migrated, on a database of its own: in-memory PGlite, or a fresh PostgreSQL database. */
export async function openTestStore(kind: StoreKind): Promise<Store & { drop(): Promise<void> }> {
  const database = await createTestDatabase(kind);
  const store = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 2 });
  await store.migrate();
  return {
    ...store,
    async drop() {
      await store.close();
      await database.drop();
    },
  };
}

/**
 * A config file read and checked as `config plan` does, with the render worker's own check
 * (validateWebhook) run in this thread; the render pool's part is covered by the CLI and serve tests.
 */
export async function loadConfigFile(file: string, env: Record<string, string> = {}): Promise<DesiredState> {
  const read = readConfigFile(file, env);
  const catalog = { ...DEFAULT_EVENT_CATALOG, ...read.top.event_types };
  return checkConfigFile(read, async (input) => validateWebhook(input, engine, catalog, new Date()));
}

/** A key as long and random-looking as a generated one, distinct per `seed`. */
export function testKey(seed: string): string {
  return `hk_${seed.padEnd(43, "x").slice(0, 43)}`;
}
