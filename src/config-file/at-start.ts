import type { Config } from "../config";
import type { Logger } from "../logger";
import type { RenderPool } from "../rendering/pool";
import type { Db } from "../store/db";
import { applyConfig } from "./apply";
import type { Env } from "./env-refs";
import { checkConfigFile, type ReadConfig, readConfigFile } from "./load";
import { changeLines, planSummary } from "./plan-text";

/**
 * HERALD_CONFIG read before anything starts: a broken file stops the start at once, and its
 * event types join the catalog (after the built-in ones and HERALD_EVENT_TYPES).
 */
export function readConfigAtStart(config: Config, env: Env): ReadConfig | undefined {
  return config.HERALD_CONFIG === undefined ? undefined : readConfigFile(config.HERALD_CONFIG, env);
}

export interface ApplyAtStartDeps {
  db: Db;
  renderer: RenderPool;
  now: () => Date;
  /** HERALD_ADMIN_TOKEN is set: the file may leave no admin key. */
  allowNoAdmin: boolean;
}

/** Checks the file as the API would, applies it in one transaction, and logs what changed. */
export async function applyConfigAtStart(
  read: ReadConfig,
  deps: ApplyAtStartDeps,
  log: Logger,
): Promise<void> {
  const desired = await checkConfigFile(read, (input) => deps.renderer.validate(input, deps.now()));
  for (const warning of desired.warnings) log.warn(warning);
  const plan = await applyConfig(deps.db, desired, { allowNoAdmin: deps.allowNoAdmin });
  log.info(`${read.doc.file} applied: ${planSummary(plan, true)}`, { changes: changeLines(plan) });
}
