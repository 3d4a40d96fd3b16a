import type { ApiKeyRow, ApiKeyValues } from "../store/keys";
import type { FileIssue } from "./errors";
import type { DesiredKey } from "./key-entries";

/** What differs in a key, as a plan says it (never the key itself). */
export type KeyChange =
  | { field: "name" | "role"; before: string; after: string }
  | { field: "key"; variable: string }
  | { field: "managed_by"; before: string | null; after: string };

export type KeyStep =
  | { action: "create"; name: string; role: string; values: ApiKeyValues }
  | { action: "update"; name: string; id: string; changes: KeyChange[]; values: ApiKeyValues }
  | { action: "unchanged"; name: string; id: string }
  /** A key this file (or another) created that it no longer lists: deleted with `prune`. */
  | { action: "delete" | "keep"; name: string; id: string };

function changesOf(key: DesiredKey, row: ApiKeyRow, managedBy: string): KeyChange[] {
  const changes: KeyChange[] = [];
  if (row.name !== key.name) changes.push({ field: "name", before: row.name, after: key.name });
  if (row.role !== key.role) changes.push({ field: "role", before: row.role, after: key.role });
  if (row.keyHash !== key.keyHash) changes.push({ field: "key", variable: key.variable });
  if (row.managedBy !== managedBy)
    changes.push({ field: "managed_by", before: row.managedBy, after: managedBy });
  return changes;
}

/**
 * The steps that bring the stored keys to the file's. A key is matched by name among the keys a
 * config file created, else by its value (a key made by hand whose value the file now holds is
 * taken over, a renamed one follows). A new value under a known name rotates the key. Keys made
 * by hand are never deleted, so that applying a file cannot lock the operator out.
 */
export function planKeys(
  desired: DesiredKey[],
  stored: ApiKeyRow[],
  { managedBy, prune }: { managedBy: string; prune: boolean },
): { steps: KeyStep[]; issues: FileIssue[] } {
  const matchOf = new Map<DesiredKey, ApiKeyRow>();
  const taken = new Set<string>();
  const take = (key: DesiredKey, row: ApiKeyRow | undefined) => {
    if (!row || taken.has(row.id)) return;
    matchOf.set(key, row);
    taken.add(row.id);
  };
  for (const key of desired)
    take(
      key,
      stored.find((row) => row.managedBy !== null && row.name === key.name),
    );
  for (const key of desired) {
    if (!matchOf.has(key))
      take(
        key,
        stored.find((row) => row.keyHash === key.keyHash),
      );
  }

  const steps: KeyStep[] = [];
  const issues: FileIssue[] = [];
  for (const key of desired) {
    const row = matchOf.get(key);
    const holder = stored.find((other) => other.keyHash === key.keyHash && other.id !== row?.id);
    if (holder) {
      const message = `\${${key.variable}} holds the key of another API key ("${holder.name}", id ${holder.id}): give this one a key of its own`;
      issues.push({ path: ["api_keys", key.index, "key"], line: key.line, message });
      continue;
    }
    const values = { name: key.name, role: key.role, keyHash: key.keyHash, prefix: key.prefix, managedBy };
    if (!row) {
      steps.push({ action: "create", name: key.name, role: key.role, values });
      continue;
    }
    const changes = changesOf(key, row, managedBy);
    steps.push(
      changes.length === 0
        ? { action: "unchanged", name: key.name, id: row.id }
        : { action: "update", name: key.name, id: row.id, changes, values },
    );
  }
  const unlisted = stored.filter((row) => !taken.has(row.id) && row.managedBy !== null);
  for (const row of unlisted.sort((a, b) => a.name.localeCompare(b.name))) {
    steps.push({ action: prune ? "delete" : "keep", name: row.name, id: row.id });
  }
  return { steps, issues };
}
