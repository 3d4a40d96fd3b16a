#!/usr/bin/env -S npx tsx
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig } from "./config";
import { startGateway } from "./gateway";
import { createJsonLogger } from "./logger";
import { describeRenderError, renderCommand } from "./render-command";
import { openStore } from "./store/db";
import { createApiKey, hasApiKeys, listApiKeys, ROLES, type Role, revokeApiKey } from "./store/keys";

const USAGE = `Usage: herald <command>

  serve                                  start the API and the delivery engine (default)
  migrate                                apply database migrations and exit
  keys create --role <${ROLES.join("|")}> --name <name>   print a new API key (shown once)
  keys list                              list API keys (never the keys themselves)
  keys revoke <id>                       revoke an API key
  render --format <name> --event <file.json> [--template <file.hbs>] [--options '<json>'] [--url <url>]
                                         print what a webhook would send (warnings on stderr)

Settings come from the environment (see README): PORT, DATABASE_URL, HERALD_DATA_DIR, …`;

function storeFor(config: Config) {
  return openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.HERALD_DATA_DIR, poolSize: 2 });
}

async function serve(config: Config) {
  const log = createJsonLogger();
  const gateway = await startGateway(config, log);
  if (!config.HERALD_ADMIN_TOKEN && !(await hasApiKeys(gateway.store.db))) {
    // A fresh install needs one key to do anything: make it and show it once.
    const { key } = await createApiKey(gateway.store.db, "admin", "first admin key");
    process.stdout.write(
      `\nNo API keys yet: created an admin key (shown only now, keep it):\n\n  ${key}\n\n`,
    );
  }
  log.info("herald is listening", { url: gateway.url, store: gateway.store.kind });
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
  const store = storeFor(config);
  await store.migrate();
  await store.close();
  process.stdout.write(`migrations applied (${store.kind})\n`);
}

async function keys(config: Config, args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { role: { type: "string" }, name: { type: "string" } },
  });
  const [action, id] = positionals;
  const store = storeFor(config);
  await store.migrate();
  try {
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
      if (!(await revokeApiKey(store.db, id).catch(() => false))) throw new UsageError(`no API key ${id}`);
      process.stdout.write(`revoked ${id}\n`);
    } else {
      throw new UsageError("keys takes create, list or revoke <id>");
    }
  } finally {
    await store.close();
  }
}

function render(config: Config, args: string[]) {
  try {
    const { body, warnings } = renderCommand(config, args);
    process.stdout.write(body.endsWith("\n") ? body : `${body}\n`);
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  } catch (error) {
    const problem = describeRenderError(error);
    if (problem === undefined) throw error;
    process.stderr.write(`herald render: ${problem}\n`);
    process.exitCode = 1;
  }
}

class UsageError extends Error {}

async function main(argv: string[]) {
  const [command = "serve", ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
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

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof UsageError) process.stderr.write(`herald: ${error.message}\n\n${USAGE}\n`);
  else if (error instanceof ConfigError) process.stderr.write(`herald: ${error.message}\n`);
  else
    process.stderr.write(
      `herald: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  process.exit(error instanceof UsageError ? 64 : 1);
});
