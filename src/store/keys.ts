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

/** Creates a key and returns it with its row: the only time the key itself is seen. */
export async function createApiKey(
  db: Db,
  role: Role,
  name: string,
): Promise<{ key: string; row: ApiKeyRow }> {
  const key = `hk_${randomBytes(32).toString("base64url")}`;
  const [row] = await db
    .insert(apiKeys)
    .values({ name, role, keyHash: hashKey(key), prefix: key.slice(0, 10) })
    .returning();
  return { key, row: row as ApiKeyRow };
}

export async function findApiKey(db: Db, key: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, hashKey(key)));
  return row;
}

export function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt));
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const deleted = await db.delete(apiKeys).where(eq(apiKeys.id, id)).returning({ id: apiKeys.id });
  return deleted.length > 0;
}

export async function hasApiKeys(db: Db): Promise<boolean> {
  return (await db.select({ id: apiKeys.id }).from(apiKeys).limit(1)).length > 0;
}
