import { writeFileSync } from "node:fs";
import { type Config, loadConfig } from "../config";
import { applyConfig, planConfig } from "../config-file/apply";
import { exportConfig } from "../config-file/export";
import { checkConfigFile, type DesiredState, type ReadConfig, readConfigFile } from "../config-file/load";
import { planText } from "../config-file/plan-text";
import { DEFAULT_EVENT_CATALOG } from "../events/catalog";
import { keyFieldTable } from "../formats/key-fields";
import { createRenderPool } from "../rendering/pool";
import { listApiKeys } from "../store/keys";
import { listAllWebhooks } from "../store/webhooks";
import { actionOf, parseCommandArgs, UsageError } from "./args";
import { withStore } from "./store-commands";

type Env = Record<string, string | undefined>;

/** Checks the command line before anything is read: a typo costs no wait. */
function parseConfigArgs(args: string[], env: Env) {
  const { values, positionals } = parseCommandArgs("config", args);
  const [word, ...extra] = positionals;
  const action = actionOf("config", word);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, "config");
  if (action !== "export" && values.out !== undefined) {
    throw new UsageError(`--out is for export: ${action} prints to stdout`, "config");
  }
  const file = values.file ?? env.HERALD_CONFIG;
  if (action !== "export" && !file) {
    throw new UsageError(`${action} needs a config file: --file <herald.yaml>, or HERALD_CONFIG`, "config");
  }
  return { action, file: file || undefined, out: values.out };
}

/**
 * The file checked as the API checks a webhook on save: its templates and options in a render
 * worker of its own, with the catalog the server would have (its event types included).
 */
async function checked(config: Config, read: ReadConfig): Promise<DesiredState> {
  const renderer = createRenderPool({
    workers: 1,
    timeoutMs: config.HERALD_RENDER_TIMEOUT_MS,
    maxBytesPerEvent: config.HERALD_MAX_RENDER_BYTES,
    templatesDir: config.HERALD_TEMPLATES_DIR,
    catalog: { ...DEFAULT_EVENT_CATALOG, ...config.HERALD_EVENT_TYPES, ...read.top.event_types },
    keyFields: keyFieldTable(config.HERALD_FIELD_ALIASES),
  });
  try {
    return await checkConfigFile(read, (input) => renderer.validate(input, new Date()));
  } finally {
    await renderer.close();
  }
}

/** `herald config plan|apply|export`. */
export async function configCommand(args: string[], env: Env): Promise<void> {
  const { action, file, out } = parseConfigArgs(args, env);
  const config = loadConfig(env);
  // Read before the store is opened: a broken file is refused at once, the store untouched.
  const read = file === undefined ? undefined : readConfigFile(file, env);
  if (action === "export") {
    const eventTypes = { ...config.HERALD_EVENT_TYPES, ...read?.top.event_types };
    const text = await withStore(config, async (store) =>
      exportConfig(await listAllWebhooks(store.db), await listApiKeys(store.db), eventTypes),
    );
    if (out === undefined) return void process.stdout.write(text);
    writeFileSync(out, text);
    process.stderr.write(`wrote ${out}: set the variables listed at its top before applying it\n`);
    return;
  }
  const desired = await checked(config, read as ReadConfig);
  for (const warning of desired.warnings) process.stderr.write(`warning: ${warning}\n`);
  const allowNoAdmin = config.HERALD_ADMIN_TOKEN !== undefined;
  const plan = await withStore(config, (store) =>
    action === "apply" ? applyConfig(store.db, desired, { allowNoAdmin }) : planConfig(store.db, desired),
  );
  process.stdout.write(`${planText(plan, action === "apply")}\n`);
}
