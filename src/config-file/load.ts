import type { WebhookInput } from "../webhooks/schema";
import { type ConfigDocument, readConfigDocument } from "./document";
import type { Env } from "./env-refs";
import { ConfigFileError } from "./errors";
import { type ConfigFile, parseTopLevel } from "./file-schema";
import { type DesiredKey, parseKeyEntries } from "./key-entries";
import { literalSecretWarnings } from "./secret-fields";
import { checkRenders, type DesiredWebhook, parseWebhookEntries } from "./webhook-entries";

/** A config file read and its top level checked: enough for its event types (the catalog). */
export interface ReadConfig {
  doc: ConfigDocument;
  top: ConfigFile;
}

/** What a config file declares, every part checked as the API checks it. */
export interface DesiredState {
  /** The file as it was named. */
  file: string;
  /** What managed webhooks and keys record: the file's absolute path. */
  managedBy: string;
  prune: boolean;
  eventTypes: Record<string, string>;
  webhooks: DesiredWebhook[];
  keys: DesiredKey[];
  /** Secrets written in the file rather than referenced: allowed, but said. */
  warnings: string[];
}

/** Reads `file` and checks its top level: YAML, `${…}` references, the fields it may have. */
export function readConfigFile(file: string, env: Env): ReadConfig {
  const doc = readConfigDocument(file, env);
  return { doc, top: parseTopLevel(doc) };
}

/**
 * Checks every webhook and key of a read file: the API's schema, names unique in the file, and
 * (through `validate`, the render pool's check) each webhook's options and template. Every
 * problem is collected and thrown at once as a ConfigFileError, each with its path and line.
 */
export async function checkConfigFile(
  { doc, top }: ReadConfig,
  validate: (input: WebhookInput) => Promise<void>,
): Promise<DesiredState> {
  const entries = parseWebhookEntries(doc, top.webhooks);
  const keys = parseKeyEntries(doc, top.api_keys);
  const issues = [...entries.issues, ...keys.issues];
  if (issues.length === 0) issues.push(...(await checkRenders(doc, entries.webhooks, validate)));
  if (issues.length > 0) {
    const line = (issue: { line?: number }) => issue.line ?? 0;
    throw new ConfigFileError(
      doc.file,
      issues.sort((a, b) => line(a) - line(b)),
    );
  }
  return {
    file: doc.file,
    managedBy: doc.absolutePath,
    prune: top.prune,
    eventTypes: top.event_types,
    webhooks: entries.webhooks,
    keys: keys.keys,
    warnings: literalSecretWarnings(doc, top.webhooks),
  };
}
