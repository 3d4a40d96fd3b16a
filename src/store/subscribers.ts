import { eq, sql } from "drizzle-orm";
import { readFlow } from "../webhooks/flow";
import { type Db, queryRows } from "./db";
import { webhooks } from "./schema";
import type { WebhookRow } from "./webhooks";

/** The active webhooks as ingest last read them, and the version of the webhooks table then. */
export interface Subscribers {
  version: string;
  active: WebhookRow[];
  /** None queues with dedup, digests or a lossy max_queue: an ingest is then one statement. */
  plain: boolean;
}

/**
 * The webhooks table's version: it changes with every change to any webhook, as an updated,
 * inserted or deleted row changes the (id, xmin) pairs. A change made since ingest last read
 * the webhooks makes its one-statement ingest (store/ingest-statement.ts) store nothing.
 */
export const webhooksVersion = sql`(select md5(coalesce(string_agg(w.id::text || ':' || w.xmin::text, ',' order by w.id), ''))
  from ${webhooks} w)`;

/** Per database: what the latest ingest read, kept for the next one. */
const lastRead = new WeakMap<Db, Subscribers>();

export function cachedSubscribers(db: Db): Subscribers | undefined {
  return lastRead.get(db);
}

/**
 * Reads the active webhooks in `tx` (a transaction on `db`) and keeps them for `db`'s next
 * ingest. The version is read first: a change committed between the two reads leaves rows newer
 * than their version, which the next ingest finds stale and reads again; never the reverse.
 */
export async function readSubscribers(db: Db, tx: Db): Promise<Subscribers> {
  const [read] = await queryRows<{ version: string }>(tx, sql`select ${webhooksVersion} as version`);
  const active = await tx.select().from(webhooks).where(eq(webhooks.isActive, true));
  const subscribers = { version: read?.version ?? "", active, plain: active.every(queuesPlainly) };
  lastRead.set(db, subscribers);
  return subscribers;
}

function queuesPlainly(webhook: WebhookRow): boolean {
  const flow = readFlow(webhook.flow);
  return flow.dedup === null && flow.group === null && !(flow.lossy && flow.max_queue !== null);
}
