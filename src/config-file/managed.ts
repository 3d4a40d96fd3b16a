import { ConflictError } from "../errors";
import type { WebhookRow } from "../store/webhooks";

/**
 * The API's guard for a webhook a config file manages: changing or deleting it through the API
 * would fight the file (the next apply would undo it), so it answers 409 naming the file. Only
 * the state (`state`, or `is_active`) may still be switched alone: the failure threshold switches
 * webhooks off, and an operator must be able to pause one or switch it back on without a deploy.
 */
export function refuseManagedChange(webhook: WebhookRow, patch?: Record<string, unknown>): void {
  if (webhook.managedBy === null) return;
  const fields = Object.keys(patch ?? {});
  if (fields.length > 0 && fields.every((field) => field === "is_active" || field === "state")) return;
  throw new ConflictError(
    `webhook ${webhook.name} is managed by ${webhook.managedBy}; change it there and run herald config apply (only its state may be switched through the API: state or is_active)`,
  );
}
