import { isObject } from "../formats/format";
import type { NewWebhookRow, WebhookRow } from "../store/webhooks";
import { stateOf } from "../webhooks/flow";
import { inputToRow, rowToInput, type WebhookInput } from "../webhooks/schema";
import { diffFields, type FieldChange } from "./diff";
import type { FileIssue } from "./errors";
import type { DesiredWebhook } from "./webhook-entries";

export type WebhookStep =
  | { action: "create"; name: string; format: string; row: NewWebhookRow }
  | {
      action: "update";
      name: string;
      id: string;
      format: string;
      changes: FieldChange[];
      row: Partial<NewWebhookRow>;
    }
  | { action: "unchanged"; name: string; id: string }
  /** Not in the file: deleted with `prune: true`, left alone without. */
  | { action: "delete" | "keep"; name: string; id: string; managedBy: string | null };

/** The stored Splunk HEC channel, when the file names none: the schema would make a new one each time. */
function withStoredChannel(input: WebhookInput, stored: WebhookRow["destination"]): WebhookInput {
  const hec = input.destination.splunk_hec;
  const storedHec = stored.splunk_hec;
  if (!isObject(hec) || !isObject(storedHec) || typeof storedHec.channel !== "string") return input;
  return {
    ...input,
    destination: { ...input.destination, splunk_hec: { ...hec, channel: storedHec.channel } },
  };
}

/** The webhook as it should be stored, given what is stored now (see DesiredWebhook). */
function desiredInput(webhook: DesiredWebhook, existing: WebhookRow): WebhookInput {
  const input = webhook.setsChannel ? webhook.input : withStoredChannel(webhook.input, existing.destination);
  return webhook.setsActive ? input : { ...input, state: stateOf(existing) };
}

function updateStep(webhook: DesiredWebhook, existing: WebhookRow, managedBy: string): WebhookStep {
  const input = desiredInput(webhook, existing);
  const changes = diffFields(rowToInput(existing), input);
  if (existing.managedBy !== managedBy) {
    changes.push({ path: ["managed_by"], before: existing.managedBy ?? undefined, after: managedBy });
  }
  const { name, id } = existing;
  if (changes.length === 0) return { action: "unchanged", name, id };
  const reactivated = input.state !== "disabled" && !existing.isActive;
  const { isActive, paused, ...columns } = inputToRow(input);
  const stateChanged = input.state !== stateOf(existing);
  const row = {
    ...columns,
    // Written only when the file sets it: the failure threshold may switch the webhook off meanwhile.
    ...(webhook.setsActive && stateChanged
      ? { isActive, paused, stateChangedBy: `config ${managedBy}`, stateChangedAt: new Date() }
      : {}),
    managedBy,
    // As the API does: switching a webhook back on starts its failure count afresh.
    ...(reactivated ? { failureCount: 0, disabledReason: null } : {}),
  };
  return { action: "update", name, id, format: input.format, changes, row };
}

/**
 * The steps that bring the stored webhooks to the file's. A webhook is matched by name: the one
 * this file (or another) manages, else the one made through the API, which the file then takes
 * over. Webhooks the file does not list are deleted with `prune`, and left alone without.
 */
export function planWebhooks(
  desired: DesiredWebhook[],
  stored: WebhookRow[],
  { managedBy, prune }: { managedBy: string; prune: boolean },
): { steps: WebhookStep[]; issues: FileIssue[] } {
  const steps: WebhookStep[] = [];
  const issues: FileIssue[] = [];
  const matched = new Set<string>();
  for (const webhook of desired) {
    const { name } = webhook.input;
    const sameName = stored.filter((row) => row.name === name);
    const managed = sameName.filter((row) => row.managedBy !== null);
    const candidates = managed.length > 0 ? managed : sameName;
    if (candidates.length > 1) {
      const ids = candidates.map((row) => row.id).join(", ");
      const message = `${candidates.length} stored webhooks are named "${name}" (${ids}): rename or delete all but one through the API, since the file matches webhooks by name`;
      issues.push({ path: ["webhooks", webhook.index, "name"], line: webhook.line, message });
      continue;
    }
    const existing = candidates[0];
    if (existing) {
      matched.add(existing.id);
      steps.push(updateStep(webhook, existing, managedBy));
    } else {
      const row = { ...inputToRow(webhook.input), managedBy };
      steps.push({ action: "create", name, format: webhook.input.format, row });
    }
  }
  const unlisted = stored.filter((row) => !matched.has(row.id));
  for (const row of unlisted.sort((a, b) => a.name.localeCompare(b.name))) {
    const action = prune ? "delete" : "keep";
    steps.push({ action, name: row.name, id: row.id, managedBy: row.managedBy });
  }
  return { steps, issues };
}
