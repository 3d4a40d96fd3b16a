import { z } from "zod";
import { ROLES } from "../store/keys";
import { findPrototypeKey, PROTOTYPE_KEY_MESSAGE } from "../webhooks/prototype-keys";
import type { ConfigDocument } from "./document";
import { ConfigFileError, type FileIssue, type FilePath } from "./errors";

/** A key from a config file guards the API as a generated one does: it must be as hard to guess. */
export const MIN_KEY_LENGTH = 32;

const apiKeyEntrySchema = z.strictObject({
  name: z.string().min(1).max(200),
  role: z.enum(ROLES),
  key: z
    .string()
    .min(MIN_KEY_LENGTH, `must be at least ${MIN_KEY_LENGTH} characters (e.g. openssl rand -base64 32)`)
    .max(512),
});

/**
 * The file's top level. Each webhook is then checked by the API's own schema (webhookInputSchema),
 * which knows every field, so here a webhook only has to be a mapping.
 */
export const configFileSchema = z.strictObject({
  /** Delete webhooks (and keys this file created) that the file no longer lists. */
  prune: z.boolean().default(false),
  /** Catalog types added at start, as HERALD_EVENT_TYPES: {"type": "description"}. */
  event_types: z.record(z.string().min(1).max(256), z.string().max(4096)).default({}),
  webhooks: z.array(z.record(z.string(), z.unknown())).max(10_000).default([]),
  api_keys: z.array(apiKeyEntrySchema).max(1000).default([]),
});
export type ConfigFile = z.output<typeof configFileSchema>;
export type ApiKeyEntry = z.output<typeof apiKeyEntrySchema>;

/** zod's issues where they are in the file; an unknown field is named, at its own line. */
export function fileIssuesFromZod(error: z.ZodError, prefix: FilePath, doc: ConfigDocument): FileIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: [...path, key],
        line: doc.lineAt([...path, key]),
        message: "unknown field",
      }));
    }
    return [{ path, line: doc.lineAt(path), message: issue.message }];
  });
}

/** The file's top level checked, or ConfigFileError naming each problem and its line. */
export function parseTopLevel(doc: ConfigDocument): ConfigFile {
  if (doc.value === null || doc.value === undefined) {
    throw new ConfigFileError(doc.file, [
      { path: [], message: "the file is empty: see the README's example" },
    ]);
  }
  const prototypeKey = findPrototypeKey(doc.value);
  if (prototypeKey) {
    throw new ConfigFileError(doc.file, [
      { path: prototypeKey, line: doc.lineAt(prototypeKey), message: PROTOTYPE_KEY_MESSAGE },
    ]);
  }
  const parsed = configFileSchema.safeParse(doc.value);
  if (!parsed.success) throw new ConfigFileError(doc.file, fileIssuesFromZod(parsed.error, [], doc));
  return parsed.data;
}
