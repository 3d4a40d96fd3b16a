import type { Db } from "../../src/store/db";
import { type DeliveryStatus, deliveries, events } from "../../src/store/schema";

// Stored history written straight into the store, at the times a test chooses: lists ordered by
// time and statistics over a window can then be checked exactly, whatever the clock says.

export interface StoredEventFields {
  id: string;
  source?: string;
  type?: string;
  title?: string;
  data?: Record<string, unknown>;
  receivedAt?: Date;
}

/** Stores an event and answers its internal key. */
export async function storeEvent(db: Db, fields: StoredEventFields): Promise<number> {
  const receivedAt = fields.receivedAt ?? new Date();
  const [row] = await db
    .insert(events)
    .values({
      id: fields.id,
      source: fields.source ?? "test",
      type: fields.type ?? "hit",
      time: receivedAt.toISOString(),
      severity: "high",
      title: fields.title ?? fields.id,
      data: fields.data ?? {},
      receivedAt,
    })
    .returning({ key: events.key });
  return (row as { key: number }).key;
}

export interface StoredDeliveryFields {
  webhookId: string;
  eventKey: number;
  status: DeliveryStatus;
  createdAt: Date;
  durationMs?: number | null;
  isTest?: boolean;
}

/** Stores deliveries as they would be after their attempts (none is due unless pending or retrying). */
export async function storeDeliveries(db: Db, rows: StoredDeliveryFields[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const stored = await db
    .insert(deliveries)
    .values(
      rows.map((row) => ({
        webhookId: row.webhookId,
        eventKey: row.eventKey,
        status: row.status,
        attempt: row.status === "pending" ? 0 : 1,
        durationMs: row.durationMs ?? null,
        isTest: row.isTest ?? false,
        createdAt: row.createdAt,
        updatedAt: row.createdAt,
        // Waiting ones are due in an hour: the engine leaves them alone during a test.
        nextAttemptAt: new Date(Date.now() + 3_600_000),
      })),
    )
    .returning({ id: deliveries.id });
  return stored.map((row) => row.id);
}
