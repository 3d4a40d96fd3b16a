import { desc, eq } from "drizzle-orm";
import type { Db } from "./db";
import { deliveries, deliveryAttempts, events } from "./schema";

// The deliveries as the API shows them: newest first per webhook, one with its attempts.

const deliveryColumns = {
  id: deliveries.id,
  webhookId: deliveries.webhookId,
  eventId: events.id,
  eventType: events.type,
  status: deliveries.status,
  attempt: deliveries.attempt,
  statusCode: deliveries.statusCode,
  success: deliveries.success,
  error: deliveries.error,
  durationMs: deliveries.durationMs,
  responseExcerpt: deliveries.responseExcerpt,
  warnings: deliveries.warnings,
  isTest: deliveries.isTest,
  createdAt: deliveries.createdAt,
  updatedAt: deliveries.updatedAt,
  nextAttemptAt: deliveries.nextAttemptAt,
};
export type DeliveryView = Awaited<ReturnType<typeof listDeliveries>>[number];

export function listDeliveries(db: Db, webhookId: string, limit: number) {
  return db
    .select(deliveryColumns)
    .from(deliveries)
    .innerJoin(events, eq(events.key, deliveries.eventKey))
    .where(eq(deliveries.webhookId, webhookId))
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(limit);
}

export async function getDelivery(db: Db, id: string) {
  const [row] = await db
    .select(deliveryColumns)
    .from(deliveries)
    .innerJoin(events, eq(events.key, deliveries.eventKey))
    .where(eq(deliveries.id, id));
  if (!row) return undefined;
  const attempts = await db
    .select()
    .from(deliveryAttempts)
    .where(eq(deliveryAttempts.deliveryId, id))
    .orderBy(deliveryAttempts.attempt, deliveryAttempts.id);
  return { ...row, attempts };
}
