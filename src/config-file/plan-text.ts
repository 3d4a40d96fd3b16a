import { urlForViewer } from "../webhooks/wire";
import type { FieldChange } from "./diff";
import { changeCount, isChange, type Plan } from "./plan";
import type { KeyChange, KeyStep } from "./plan-keys";
import type { WebhookStep } from "./plan-webhooks";
import { isSecretField } from "./secret-fields";

const MAX_SHOWN_CHARS = 80;

/** Where a URL goes, without its path and query, which often are the credential (Slack, Teams). */
function urlShown(url: unknown): string {
  return typeof url === "string" && URL.canParse(url) ? urlForViewer(url) : shown(url);
}

function shown(value: unknown): string {
  if (value === undefined) return "(none)";
  if (typeof value === "string" && value.includes("\n")) return `(${value.split("\n").length} lines)`;
  const text = typeof value === "string" && /^[^\s"'{}[\],]+$/.test(value) ? value : JSON.stringify(value);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS - 1)}…` : text;
}

function fieldLine(change: FieldChange, format: string, fileOf: (path: unknown) => string): string {
  const { path, before, after } = change;
  const name = path.join(".");
  const absent = (value: unknown) => value === undefined || value === null;
  if (isSecretField(path, format)) {
    const what = absent(before) ? "set" : absent(after) ? "removed" : "changed";
    return `${name}: (secret ${what})`;
  }
  if (name === "url") {
    const [from, to] = [urlShown(before), urlShown(after)];
    return from === to ? `url: ${to} (path or query changed)` : `url: ${from} → ${to}`;
  }
  if (name === "managed_by") return `managed_by: ${fileOf(before)} → ${fileOf(after)}`;
  const lines = (value: unknown) => (typeof value === "string" ? value.split("\n").length : 0);
  if (typeof before === "string" && typeof after === "string" && lines(before) + lines(after) > 2) {
    return `${name}: changed (${lines(before)} → ${lines(after)} lines)`;
  }
  return `${name}: ${shown(before)} → ${shown(after)}`;
}

function keyChangeLine(change: KeyChange, fileOf: (path: unknown) => string): string {
  if (change.field === "key") return `key: rotated (the value of \${${change.variable}} is new)`;
  if (change.field === "managed_by") return `managed_by: ${fileOf(change.before)} → ${fileOf(change.after)}`;
  return `${change.field}: ${change.before} → ${change.after}`;
}

function webhookLines(step: WebhookStep, plan: Plan, fileOf: (path: unknown) => string): string[] {
  switch (step.action) {
    case "create":
      return [`  + ${step.name}: create (${step.format} to ${new URL(step.row.url).host})`];
    case "update":
      return [
        `  ~ ${step.name}: update`,
        ...step.changes.map((change) => `      ${fieldLine(change, step.format, fileOf)}`),
      ];
    case "unchanged":
      return [`  = ${step.name}: unchanged`];
    case "delete":
      return [`  - ${step.name}: delete (not in the file, and prune is on)`];
    case "keep": {
      const made = step.managedBy === null ? "made through the API" : `managed by ${fileOf(step.managedBy)}`;
      const hint = plan.prune ? "" : "; prune: true would delete it";
      return [`  ! ${step.name}: left alone (${made}, not in the file${hint})`];
    }
  }
}

function keyLines(step: KeyStep, fileOf: (path: unknown) => string): string[] {
  switch (step.action) {
    case "create":
      return [`  + ${step.name}: create (${step.role})`];
    case "update":
      return [
        `  ~ ${step.name}: update`,
        ...step.changes.map((change) => `      ${keyChangeLine(change, fileOf)}`),
      ];
    case "unchanged":
      return [`  = ${step.name}: unchanged`];
    case "delete":
      return [`  - ${step.name}: delete (created by a config file, no longer in it, and prune is on)`];
    case "keep":
      return [
        `  ! ${step.name}: left alone (created by a config file, no longer in it; prune: true would delete it)`,
      ];
  }
}

/** The last line of a plan: what it changes, or that the store already matches the file. */
export function planSummary(plan: Plan, done = false): string {
  const steps = [...plan.webhooks, ...plan.keys];
  const count = (action: string) => steps.filter((step) => step.action === action).length;
  if (changeCount(plan) === 0) return `No changes: the store matches ${plan.file}.`;
  const [created, updated, deleted, kept] = ["create", "update", "delete", "keep"].map(count);
  const verbs = done ? ["created", "updated", "deleted"] : ["to create", "to update", "to delete"];
  const leftAlone = kept === 0 ? "" : `; ${kept} left alone`;
  return `${created} ${verbs[0]}, ${updated} ${verbs[1]}, ${deleted} ${verbs[2]}${leftAlone}.`;
}

/** The lines of the steps that change the store (what `serve` logs after applying at start). */
export function changeLines(plan: Plan): string[] {
  const fileOf = fileNamer(plan);
  return [
    ...plan.webhooks.filter(isChange).flatMap((step) => webhookLines(step, plan, fileOf)),
    ...plan.keys.filter(isChange).flatMap((step) => keyLines(step, fileOf)),
  ].map((line) => line.trim());
}

/** How a plan names a config file: this one as it was named, another by its stored path. */
function fileNamer(plan: Plan): (path: unknown) => string {
  return (path) =>
    path === undefined || path === null
      ? "(made by hand)"
      : path === plan.managedBy
        ? plan.file
        : String(path);
}

/** A plan as `herald config plan` prints it: one line per webhook and key, one per changed field. */
export function planText(plan: Plan, done = false): string {
  const fileOf = fileNamer(plan);
  const lines = [`${done ? "Applied" : "Plan for"} ${plan.file}:`, "", "webhooks"];
  lines.push(...plan.webhooks.flatMap((step) => webhookLines(step, plan, fileOf)));
  if (plan.webhooks.length === 0) lines.push("  (none)");
  lines.push("", "api keys", ...plan.keys.flatMap((step) => keyLines(step, fileOf)));
  if (plan.keysMadeByHand > 0) {
    lines.push(
      `  ${plan.keysMadeByHand} made through the API or CLI: left alone (a config file never changes or deletes them)`,
    );
  } else if (plan.keys.length === 0) {
    lines.push("  (none)");
  }
  if (plan.eventTypes.length > 0) {
    lines.push("", "event types (added to the catalog when serve starts; not stored)");
    lines.push(...plan.eventTypes.map((type) => `  ${type}`));
  }
  lines.push("", planSummary(plan, done));
  return lines.join("\n");
}
