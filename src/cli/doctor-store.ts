import { accessSync, constants, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import type { Config } from "../config";
import { EgressDeniedError, type EgressPolicy } from "../destinations/egress";
import { DESTINATIONS, findDestination } from "../destinations/registry";
import { DataDirLockedError } from "../store/data-dir-lock";
import { type Db, MIGRATIONS_DIR, openStore, queryRows, type Store } from "../store/db";
import { webhooks } from "../store/schema";
import type { WebhookRow } from "../store/webhooks";
import { oneLine, type Report } from "./report";

class TimeoutError extends Error {}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Where a PostgreSQL URL points, without its password. */
function serverOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return "DATABASE_URL";
  }
}

/** The nearest existing directory at or above `path` is writable (the store can be created there). */
function writableProblem(path: string): string | undefined {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return `${dir} is not writable (${(error as NodeJS.ErrnoException).code})`;
  }
}

/**
 * Opens the store only when that harms nothing: never an embedded store another process holds
 * (opening it is refused by its lock, before PGlite touches a file), never one not created yet.
 */
async function openForDoctor(config: Config, timeoutMs: number, report: Report): Promise<Store | undefined> {
  const check = "database";
  if (config.DATABASE_URL) {
    const where = serverOf(config.DATABASE_URL);
    const store = openStore({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.HERALD_DATA_DIR,
      poolSize: 1,
    });
    try {
      await within(queryRows(store.db, sql`select 1`), timeoutMs, `PostgreSQL at ${where}`);
      report({ status: "ok", check, message: `PostgreSQL at ${where} answers` });
      return store;
    } catch (error) {
      await store.close().catch(() => {});
      const todo = "check DATABASE_URL, that the server runs, and that this host may connect to it";
      report({
        status: "FAIL",
        check,
        message: `PostgreSQL at ${where}: ${oneLine((error as Error).message)}`,
        todo,
      });
      return undefined;
    }
  }
  const dataDir = config.HERALD_DATA_DIR;
  if (dataDir.startsWith("memory://")) {
    report({ status: "ok", check, message: `${dataDir}: an in-memory store, created empty by each process` });
    return undefined;
  }
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    const problem = writableProblem(dataDir);
    if (problem) {
      const todo = "point HERALD_DATA_DIR at a writable directory";
      report({
        status: "FAIL",
        check,
        message: `cannot create the embedded store in ${dataDir}: ${problem}`,
        todo,
      });
    } else {
      const message = `no embedded store in ${dataDir} yet: the first serve or migrate creates it (10 to 30 seconds)`;
      report({ status: "ok", check, message });
    }
    return undefined;
  }
  try {
    const store = openStore({ dataDir });
    try {
      await queryRows(store.db, sql`select 1`);
    } catch (error) {
      await store.close().catch(() => {});
      throw error;
    }
    report({ status: "ok", check, message: `the embedded store in ${dataDir} answers` });
    return store;
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      const { pid, since } = error.owner;
      report({
        status: "skip",
        check,
        message: `the embedded store in ${dataDir} is held by Herald process ${pid} (since ${since}), most likely a running server: doctor leaves it alone, so migrations and webhooks are not checked`,
        todo: "stop the server to check them, or ask it: GET /readyz",
      });
      return undefined;
    }
    const todo = "restore it from a backup, or move it aside to start with an empty store";
    report({ status: "FAIL", check, message: `${dataDir}: ${oneLine((error as Error).message)}`, todo });
    return undefined;
  }
}

async function checkMigrations(db: Db, report: Report): Promise<void> {
  const expected = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR });
  const applied = await queryRows<{ hash: string }>(db, sql`select hash from drizzle.__drizzle_migrations`)
    .then((rows) => new Set(rows.map((row) => row.hash)))
    .catch(() => new Set<string>());
  const missing = expected.filter((migration) => !applied.has(migration.hash)).length;
  if (missing === 0) {
    report({ status: "ok", check: "migrations", message: `all ${expected.length} applied` });
  } else {
    const todo = "run `herald migrate` (starting the server applies them too)";
    const message = `${expected.length - missing} of ${expected.length} applied`;
    report({ status: "FAIL", check: "migrations", message, todo });
  }
}

/** What is wrong with where a webhook sends, or undefined; `resolved` names the addresses. */
async function destinationProblem(
  row: WebhookRow,
  policy: EgressPolicy,
  timeoutMs: number,
): Promise<{ problem?: string; todo?: string; resolved?: string }> {
  const kind = row.destination?.kind ?? "";
  const destination = findDestination(kind);
  if (!destination) {
    const kinds = DESTINATIONS.map((known) => known.kind).join(", ");
    return {
      problem: `there is no destination kind "${kind}" (kinds: ${kinds})`,
      todo: "set destination.kind",
    };
  }
  let url: URL;
  try {
    url = new URL(row.url);
  } catch {
    return { problem: "its URL does not parse", todo: "fix the webhook's url" };
  }
  if (!destination.schemes.includes(url.protocol)) {
    return {
      problem: `${url.protocol} does not fit a ${kind} destination (it takes ${destination.schemes.join(" ")})`,
      todo: "fix the url or destination.kind",
    };
  }
  try {
    const addresses = await within(policy.resolve(url.hostname), timeoutMs, `DNS for ${url.hostname}`);
    return { resolved: addresses.map((entry) => entry.address).join(", ") };
  } catch (error) {
    if (error instanceof EgressDeniedError) {
      const todo = error.message.includes("built-in")
        ? "change the url: the built-in rules always apply"
        : "change the url, or HERALD_EGRESS_ALLOW / HERALD_EGRESS_DENY";
      return { problem: error.message, todo };
    }
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      error instanceof TimeoutError ? error.message : `does not resolve (${code ?? oneLine(String(error))})`;
    return { problem: `host ${url.hostname} ${why}`, todo: "fix the url, or the host's DNS record" };
  }
}

async function checkWebhooks(db: Db, policy: EgressPolicy, timeoutMs: number, report: Report): Promise<void> {
  let rows: WebhookRow[];
  try {
    rows = await db.select().from(webhooks).orderBy(webhooks.createdAt);
  } catch (error) {
    const message = `cannot read them: ${oneLine((error as Error).message)}`;
    report({ status: "FAIL", check: "webhooks", message, todo: "apply the migrations first" });
    return;
  }
  if (rows.length === 0) {
    report({ status: "ok", check: "webhooks", message: "none stored yet" });
    return;
  }
  // getaddrinfo runs on libuv's 4 threads: more lookups at once would only queue against the timeout.
  for (let start = 0; start < rows.length; start += 4) {
    const batch = rows.slice(start, start + 4);
    const results = await Promise.all(batch.map((row) => destinationProblem(row, policy, timeoutMs)));
    batch.forEach((row, index) => {
      const result = results[index] ?? {};
      const inactive = row.isActive ? "" : ", inactive";
      const check = `webhook "${row.name}" (${row.id}${inactive})`;
      const kind = row.destination?.kind;
      const target = URL.canParse(row.url)
        ? `${new URL(row.url).protocol}//${new URL(row.url).host}`
        : row.url;
      if (result.problem) {
        report({ status: "FAIL", check, message: `${target}: ${result.problem}`, todo: result.todo });
      } else {
        report({ status: "ok", check, message: `${kind} to ${target} (${result.resolved})` });
      }
    });
  }
}

/** The database answers, every migration is applied, and each stored webhook's destination resolves. */
export async function checkStore(
  config: Config,
  policy: EgressPolicy,
  timeoutMs: number,
  report: Report,
): Promise<void> {
  const store = await openForDoctor(config, timeoutMs, report);
  if (!store) return;
  try {
    await checkMigrations(store.db, report);
    await checkWebhooks(store.db, policy, timeoutMs, report);
  } finally {
    await store.close().catch(() => {});
  }
}
