#!/usr/bin/env -S npx tsx
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig } from "./config";
import { startGateway } from "./gateway";
import { createJsonLogger } from "./logger";
import { describeRenderError, renderCommand } from "./render-command";
import { DataDirLockedError } from "./store/data-dir-lock";
import { openStore, type Store, StoreOpenError } from "./store/db";
import { createApiKey, hasAdminKey, listApiKeys, ROLES, type Role, revokeApiKey } from "./store/keys";

const USAGE = `Usage: herald <command>

  serve                                  start the API and the delivery engine (npm start)
  migrate                                apply database migrations and exit
  keys create --role <${ROLES.join("|")}> --name <name>   print a new API key (shown once)
  keys list                              list API keys (never the keys themselves)
  keys revoke <id>                       revoke an API key
  render --format <name> --event <file.json> [--template <file.hbs>] [--options '<json>'] [--url <url>]
                                         print what a webhook would send (warnings on stderr)

Settings come from the environment (see README): PORT, DATABASE_URL, HERALD_DATA_DIR, …
With the embedded store (no DATABASE_URL), only one process may use the data directory at a
time: stop the server before migrate or keys, or manage keys through its API (/api/v1/keys).`;

/** What to do instead when another process holds the embedded store, by command. */
const WHEN_LOCKED: Record<string, string> = {
  serve:
    "Stop it first, give this process its own HERALD_DATA_DIR, or run several processes on one PostgreSQL server (DATABASE_URL).",
  migrate: "The running server applied every migration when it started; stop it first to run migrate alone.",
  keys: "Manage keys through the running server's API instead (POST, GET or DELETE /api/v1/keys with an admin key), or stop it first.",
};

/** Opens the store, brings its schema up to date, runs `work`, and always closes it again. */
async function withStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.HERALD_DATA_DIR, poolSize: 2 });
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close().catch(() => {});
  }
}

async function serve(config: Config) {
  const log = createJsonLogger();
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

async function migrate(config: Config) {
  const kind = await withStore(config, async (store) => store.kind);
  process.stdout.write(`migrations applied (${kind})\n`);
}

async function keys(config: Config, args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { role: { type: "string" }, name: { type: "string" } },
  });
  const [action, id] = positionals;
  await withStore(config, async (store) => {
    if (action === "create") {
      const role = values.role as Role;
      if (!ROLES.includes(role) || !values.name) throw new UsageError("keys create needs --role and --name");
      const { key, row } = await createApiKey(store.db, role, values.name);
      process.stdout.write(`${key}\n`);
      process.stderr.write(`created ${row.role} key "${row.name}" (id ${row.id}); it is not shown again\n`);
    } else if (action === "list") {
      for (const row of await listApiKeys(store.db)) {
        process.stdout.write(`${row.id}  ${row.role.padEnd(6)}  ${row.prefix}…  ${row.name}\n`);
      }
    } else if (action === "revoke" && id) {
      const result = await revokeApiKey(store.db, id, {
        allowLastAdmin: config.HERALD_ADMIN_TOKEN !== undefined,
      }).catch(() => "not_found" as const);
      if (result === "not_found") throw new UsageError(`no API key ${id}`);
      if (result === "last_admin") {
        throw new CommandError(`${id} is the last admin key: create another admin key before revoking it`);
      }
      process.stdout.write(`revoked ${id}\n`);
    } else {
      throw new UsageError("keys takes create, list or revoke <id>");
    }
  });
}

function render(config: Config, args: string[]) {
  try {
    const { messages, warnings } = renderCommand(config, args);
    // One message per line (a split message's parts after it), as each is sent on its own.
    for (const message of messages) process.stdout.write(message.endsWith("\n") ? message : `${message}\n`);
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  } catch (error) {
    const problem = describeRenderError(error);
    if (problem === undefined) throw error;
    process.stderr.write(`herald render: ${problem}\n`);
    process.exitCode = 1;
  }
}

class UsageError extends Error {}
/** A command that could not do what it was asked; the message says why. */
class CommandError extends Error {}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  if (command === "serve") return serve(config);
  if (command === "migrate") return migrate(config);
  if (command === "keys") return keys(config, rest);
  if (command === "render") return render(config, rest);
  throw new UsageError(`unknown command "${command}"`);
}

const argv = process.argv.slice(2);
main(argv).catch((error) => {
  if (error instanceof UsageError) process.stderr.write(`herald: ${error.message}\n\n${USAGE}\n`);
  else if (error instanceof DataDirLockedError) {
    process.stderr.write(`herald: ${error.message}.\n${WHEN_LOCKED[argv[0] ?? ""] ?? ""}\n`);
  } else if (
    error instanceof ConfigError ||
    error instanceof StoreOpenError ||
    error instanceof CommandError
  ) {
    process.stderr.write(`herald: ${error.message}\n`);
  } else
    process.stderr.write(
      `herald: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  process.exit(error instanceof UsageError ? 64 : 1);
});
