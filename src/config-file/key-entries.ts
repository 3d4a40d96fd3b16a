import { type Role, storedFormOf } from "../store/keys";
import type { ConfigDocument } from "./document";
import { envName } from "./env-refs";
import { type FileIssue, showPath } from "./errors";
import type { ApiKeyEntry } from "./file-schema";

/** An API key as the file declares it: only its hash is kept. */
export interface DesiredKey {
  /** Its place in the file's `api_keys` list, and the line it starts on. */
  index: number;
  line: number | undefined;
  name: string;
  role: Role;
  keyHash: string;
  prefix: string;
  /** The environment variable that holds the key. */
  variable: string;
}

/**
 * The file's keys. A key must come from the environment (`key: ${HERALD_KEY_CI}`): written in
 * the file it would be a credential in version control. Names and keys are unique in the file.
 */
export function parseKeyEntries(
  doc: ConfigDocument,
  entries: ApiKeyEntry[],
): { keys: DesiredKey[]; issues: FileIssue[] } {
  const keys: DesiredKey[] = [];
  const issues: FileIssue[] = [];
  const byName = new Map<string, number>();
  const byHash = new Map<string, number>();
  entries.forEach((entry, index) => {
    const at = (field: string) => ["api_keys", index, field];
    const problem = (field: string, message: string) =>
      issues.push({ path: at(field), line: doc.lineAt(at(field)), message });
    const reference = doc.fromEnv.get(showPath(at("key")));
    if (!reference?.whole) {
      problem(
        "key",
        `write the key as a reference to an environment variable, e.g. \${HERALD_KEY_${envName(entry.name)}}: a key written in the file is a credential in version control`,
      );
      return;
    }
    const stored = storedFormOf(entry.key);
    const sameName = byName.get(entry.name);
    const sameKey = byHash.get(stored.keyHash);
    const lineOfKey = (other: number) => doc.lineAt(["api_keys", other]);
    if (sameName !== undefined) {
      problem(
        "name",
        `"${entry.name}" is the name of api_keys[${sameName}] too (line ${lineOfKey(sameName)})`,
      );
    } else if (sameKey !== undefined) {
      problem("key", `the same key as api_keys[${sameKey}] (line ${lineOfKey(sameKey)}): give each its own`);
    } else {
      byName.set(entry.name, index);
      byHash.set(stored.keyHash, index);
      keys.push({
        index,
        line: lineOfKey(index),
        name: entry.name,
        role: entry.role,
        ...stored,
        variable: reference.variables[0] ?? "",
      });
    }
  });
  return { keys, issues };
}
