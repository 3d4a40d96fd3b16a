import { sql } from "drizzle-orm";
import type { Db } from "../store/db";
import { deleteApiKey, hasAdminKey, insertApiKey, listApiKeys, updateApiKey } from "../store/keys";
import { deleteWebhook, insertWebhook, listAllWebhooks, updateWebhook } from "../store/webhooks";
import { ConfigFileError } from "./errors";
import type { DesiredState } from "./load";
import { type Plan, planChanges } from "./plan";

/** Serialises applies: processes starting together on one PostgreSQL server apply one at a time. */
const CONFIG_APPLY_LOCK_ID = 7460399;

/** What applying `desired` would change, read from the store as it is now. */
export async function planConfig(db: Db, desired: DesiredState): Promise<Plan> {
  return planChanges(desired, { webhooks: await listAllWebhooks(db), keys: await listApiKeys(db) });
}

/**
 * Brings the store to what the file declares, in one transaction: all of it or nothing. The plan
 * is made inside the transaction, under a lock, so a second apply (or a second process starting
 * with the same file) finds nothing to change. Without `allowNoAdmin` (no HERALD_ADMIN_TOKEN),
 * a file that would take away the last admin key is refused.
 */
export function applyConfig(
  db: Db,
  desired: DesiredState,
  { allowNoAdmin }: { allowNoAdmin: boolean },
): Promise<Plan> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CONFIG_APPLY_LOCK_ID})`);
    const plan = await planConfig(tx, desired);
    const hadAdmin = await hasAdminKey(tx);
    for (const step of plan.webhooks) {
      if (step.action === "create") await insertWebhook(tx, step.row);
      else if (step.action === "update") await updateWebhook(tx, step.id, step.row);
      else if (step.action === "delete") await deleteWebhook(tx, step.id);
    }
    for (const step of plan.keys) {
      if (step.action === "create") await insertApiKey(tx, step.values);
      else if (step.action === "update") await updateApiKey(tx, step.id, step.values);
      else if (step.action === "delete") await deleteApiKey(tx, step.id);
    }
    if (hadAdmin && !allowNoAdmin && !(await hasAdminKey(tx))) {
      const message =
        "applying this file would leave no admin API key: keep one with role admin (or set HERALD_ADMIN_TOKEN)";
      throw new ConfigFileError(desired.file, [{ path: ["api_keys"], message }]);
    }
    return plan;
  });
}
