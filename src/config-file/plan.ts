import type { ApiKeyRow } from "../store/keys";
import type { WebhookRow } from "../store/webhooks";
import { ConfigFileError } from "./errors";
import type { DesiredState } from "./load";
import { type KeyStep, planKeys } from "./plan-keys";
import { planWebhooks, type WebhookStep } from "./plan-webhooks";

/** What applying a config file to the store would do, and what it leaves alone. */
export interface Plan {
  file: string;
  /** The file's absolute path, as stored in what it manages. */
  managedBy: string;
  prune: boolean;
  webhooks: WebhookStep[];
  keys: KeyStep[];
  /** Keys made through the API or the CLI: a config file never changes or deletes them. */
  keysMadeByHand: number;
  /** The catalog types the file adds (at start: they are not stored). */
  eventTypes: string[];
}

/** Compares the file with the stored webhooks and keys; a clash only the store shows throws ConfigFileError. */
export function planChanges(
  desired: DesiredState,
  stored: { webhooks: WebhookRow[]; keys: ApiKeyRow[] },
): Plan {
  const scope = { managedBy: desired.managedBy, prune: desired.prune };
  const webhooks = planWebhooks(desired.webhooks, stored.webhooks, scope);
  const keys = planKeys(desired.keys, stored.keys, scope);
  const issues = [...webhooks.issues, ...keys.issues];
  if (issues.length > 0) throw new ConfigFileError(desired.file, issues);
  const matchedKeys = new Set(keys.steps.map((step) => ("id" in step ? step.id : "")));
  return {
    file: desired.file,
    managedBy: desired.managedBy,
    prune: desired.prune,
    webhooks: webhooks.steps,
    keys: keys.steps,
    keysMadeByHand: stored.keys.filter((row) => row.managedBy === null && !matchedKeys.has(row.id)).length,
    eventTypes: Object.keys(desired.eventTypes),
  };
}

/** Whether a step changes the store (create, update, delete), rather than leave something as it is. */
export function isChange(step: { action: string }): boolean {
  return step.action === "create" || step.action === "update" || step.action === "delete";
}

/** How many steps change the store: 0 means the store already is as the file says. */
export function changeCount(plan: Plan): number {
  return [...plan.webhooks, ...plan.keys].filter(isChange).length;
}
