import type { Config } from "../config";
import { startGateway } from "../gateway";
import { limitHeapGrowth } from "../heap-growth";
import { createLogger } from "../logger";
import { openStore, type Store } from "../store/db";
import { surviveClosedConnectionWrites } from "../store/driver-workaround";
import { createApiKey, hasAdminKey, listApiKeys, ROLES, type Role, revokeApiKey } from "../store/keys";
import { actionOf, CommandError, parseCommandArgs, UsageError } from "./args";

/** What to do instead when another process holds the embedded store, by command. */
export const WHEN_LOCKED: Record<string, string> = {
  serve:
    "Stop it first, give this process its own HERALD_DATA_DIR, or run several processes on one PostgreSQL server (DATABASE_URL).",
  migrate: "The running server applied every migration when it started; stop it first to run migrate alone.",
  keys: "Manage keys through the running server's API instead (POST, GET or DELETE /api/v1/keys with an admin key), or stop it first.",
  config:
    "Stop it first, or restart it with HERALD_CONFIG set: a server applies the file when it starts and logs what changed.",
};

/** Opens the store, brings its schema up to date, runs `work`, and always closes it again. */
export async function withStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.HERALD_DATA_DIR, poolSize: 2 });
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close().catch(() => {});
  }
}

export async function serve(config: Config) {
  limitHeapGrowth(config.HERALD_HEAP_GROWTH_PERCENT);
  const log = createLogger(config.HERALD_LOG_LEVEL);
  // A database that goes away must not take the server down with it (503s until it is back).
  surviveClosedConnectionWrites(log);
  const gateway = await startGateway(config, log);
  if (!config.HERALD_ADMIN_TOKEN && !(await hasAdminKey(gateway.store.db))) {
    // Without an admin key nothing can be managed: make one and show it once.
    const { key } = await createApiKey(gateway.store.db, "admin", "first admin key");
    process.stdout.write(`\nNo admin API key yet: created one (shown only now, keep it):\n\n  ${key}\n\n`);
  }
  log.info("herald is listening", {
    address: gateway.boundAddress,
    url: gateway.url,
    store: gateway.store.kind,
  });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    await gateway.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

export async function migrate(config: Config) {
  const kind = await withStore(config, async (store) => store.kind);
  process.stdout.write(`migrations applied (${kind})\n`);
}

/** Checks the command line before the store is opened: a typo costs no wait. */
export function parseKeysArgs(args: string[]) {
  const { values, positionals } = parseCommandArgs("keys", args);
  const [word, id, ...extra] = positionals;
  const action = actionOf("keys", word);
  if (action === "create") {
    const role = values.role as Role;
    if (!ROLES.includes(role) || !values.name) {
      throw new UsageError(`create needs --role <${ROLES.join("|")}> and --name <name>`, "keys");
    }
    return { action: "create" as const, role, name: values.name };
  }
  if (action === "revoke" && !id) throw new UsageError("revoke needs the id of a key", "keys");
  if (extra.length > 0 || (action === "list" && id)) {
    throw new UsageError(`unexpected argument "${action === "list" ? id : extra[0]}"`, "keys");
  }
  return { action: action as "list" | "revoke", id: id ?? "" };
}

export async function keys(config: Config, args: string[]) {
  const command = parseKeysArgs(args);
  await withStore(config, async (store) => {
    if (command.action === "create") {
      const { key, row } = await createApiKey(store.db, command.role, command.name);
      process.stdout.write(`${key}\n`);
      process.stderr.write(`created ${row.role} key "${row.name}" (id ${row.id}); it is not shown again\n`);
    } else if (command.action === "list") {
      for (const row of await listApiKeys(store.db)) {
        process.stdout.write(`${row.id}  ${row.role.padEnd(6)}  ${row.prefix}…  ${row.name}\n`);
      }
    } else {
      const id = command.id;
      const result = await revokeApiKey(store.db, id, {
        allowLastAdmin: config.HERALD_ADMIN_TOKEN !== undefined,
      }).catch(() => "not_found" as const);
      if (result === "not_found") throw new CommandError(`no API key ${id}`);
      if (result === "last_admin") {
        throw new CommandError(`${id} is the last admin key: create another admin key before revoking it`);
      }
      process.stdout.write(`revoked ${id}\n`);
    }
  });
}
