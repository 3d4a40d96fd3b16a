import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

/**
 * PGlite's own settings, and ours: 16 MB of shared buffers instead of PostgreSQL's 128 MB. The
 * buffers live in the WebAssembly memory, which never shrinks, in Herald's own process; the
 * data files stay in the operating system's page cache all the same. Measured on an existing
 * store at rest: 292 MiB resident with 128 MB, 189 MiB with 16 MB.
 */
const START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

export function openPgliteClient(dataDir: string): PGlite {
  return new PGlite(dataDir, { startParams: START_PARAMS });
}

const ROOT = join(import.meta.dirname, "..", "..");
const CREATE_STORE = `
import { PGlite } from "@electric-sql/pglite";
const client = new PGlite(process.env.HERALD_NEW_STORE);
await client.waitReady;
await client.close();
`;

/**
 * Creates an embedded store's files (PostgreSQL's initdb) in a short-lived process of its own:
 * initdb grows PGlite's WebAssembly memory to about 900 MiB, which a process keeps until it
 * exits. Herald then opens the store as it opens an existing one, at about 420 MiB.
 * Blocks: it runs once, at the first start, before Herald serves anything.
 */
export function createPgliteStore(dataDir: string): void {
  const created = spawnSync(process.execPath, ["--input-type=module", "--eval", CREATE_STORE], {
    cwd: ROOT,
    env: { ...process.env, HERALD_NEW_STORE: dataDir },
    encoding: "utf8",
  });
  if (created.status !== 0) {
    // Node ends an uncaught error's output with its own version: the line before says what failed.
    const lines = created.stderr.split("\n").filter((line) => line.trim() && !line.startsWith("Node.js v"));
    const reason = created.error?.message ?? lines.at(-1)?.trim() ?? `exit code ${created.status}`;
    throw new Error(`PostgreSQL's initdb failed: ${reason}`);
  }
}

/**
 * The files of the first "memory://" store this process migrated. Later memory stores (a test
 * suite opens one per test) start from a copy of them: PostgreSQL's initdb and the migrations
 * take seconds, loading the files a fraction of one.
 */
let migratedMemoryFiles: Blob | undefined;

export function openMemoryPgliteClient(dataDir: string): PGlite {
  return new PGlite(dataDir, { startParams: START_PARAMS, loadDataDir: migratedMemoryFiles });
}

/** Keeps a migrated memory store's files for the next ones, once per process. */
export async function keepMigratedMemoryFiles(client: PGlite): Promise<void> {
  migratedMemoryFiles ??= await client.dumpDataDir("none");
}

/** The files kept by keepMigratedMemoryFiles, if any. */
export function migratedMemoryStoreFiles(): Blob | undefined {
  return migratedMemoryFiles;
}

/**
 * Gives this process the files of a memory store migrated elsewhere (the test suite migrates
 * one before its files run, each in a process or context of its own: test/support/pglite-seed.ts).
 */
export function seedMemoryStores(files: Blob): void {
  migratedMemoryFiles ??= files;
}
