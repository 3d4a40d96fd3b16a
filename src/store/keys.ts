import { createHash, randomBytes } from "node:crypto";
import { desc, eq } from "drizzle-orm";
import type { Db } from "./db";
import { apiKeys } from "./schema";

export const ROLES = ["admin", "viewer", "ingest"] as const;
export type Role = (typeof ROLES)[number];

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** What is stored of a key: its hash, and its first characters so an operator can tell keys apart. */
export function storedFormOf(key: string): { keyHash: string; prefix: string } {
  return { keyHash: hashKey(key), prefix: key.slice(0, 10) };
}

/** Creates a key and returns it with its row: the only time the key itself is seen. */
export async function createApiKey(
  db: Db,
  role: Role,
  name: string,
): Promise<{ key: string; row: ApiKeyRow }> {
  const key = `hk_${randomBytes(32).toString("base64url")}`;
  const [row] = await db
    .insert(apiKeys)
    .values({ name, role, ...storedFormOf(key) })
    .returning();
  return { key, row: row as ApiKeyRow };
}

export type ApiKeyValues = Pick<ApiKeyRow, "name" | "role" | "keyHash" | "prefix" | "managedBy">;

/** Stores a key whose value the caller has (a config file's, from the environment), hashed. */
export async function insertApiKey(db: Db, values: ApiKeyValues): Promise<ApiKeyRow> {
  const [row] = await db.insert(apiKeys).values(values).returning();
  return row as ApiKeyRow;
}

export async function updateApiKey(db: Db, id: string, values: Partial<ApiKeyValues>): Promise<void> {
  await db.update(apiKeys).set(values).where(eq(apiKeys.id, id));
}

/** Deletes a key outright; callers that may remove the last admin key check for that themselves. */
export async function deleteApiKey(db: Db, id: string): Promise<void> {
  await db.delete(apiKeys).where(eq(apiKeys.id, id));
}

export async function findApiKey(db: Db, key: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, hashKey(key)));
  return row;
}

/** Newest first; at most `limit` keys when given (the API always gives one, the CLI lists every key). */
export function listApiKeys(db: Db, limit?: number): Promise<ApiKeyRow[]> {
  const newestFirst = db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return limit === undefined ? newestFirst : newestFirst.limit(limit);
}

export type RevokeResult = "revoked" | "not_found" | "last_admin";

/**
 * Deletes a key, but not the last admin key unless `allowLastAdmin` (another way in exists, such as
 * a bootstrap token): without it nobody could manage the gateway any more.
 */
export function revokeApiKey(
  db: Db,
  id: string,
  { allowLastAdmin = false }: { allowLastAdmin?: boolean } = {},
): Promise<RevokeResult> {
  return db.transaction(async (tx) => {
    // Lock every admin row (in id order, so two revocations cannot deadlock): a concurrent
    // revocation waits here and then counts without the key this one deletes.
    const admins = await tx
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(eq(apiKeys.role, "admin"))
      .orderBy(apiKeys.id)
      .for("update");
    if (!allowLastAdmin && admins.length === 1 && admins[0]?.id === id) return "last_admin";
    const deleted = await tx.delete(apiKeys).where(eq(apiKeys.id, id)).returning({ id: apiKeys.id });
    return deleted.length > 0 ? "revoked" : "not_found";
  });
}

/** True when at least one admin key exists. */
export async function hasAdminKey(db: Db): Promise<boolean> {
  const found = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.role, "admin")).limit(1);
  return found.length > 0;
}
