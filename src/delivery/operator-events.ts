import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { HERALD_SOURCE } from "../events/catalog";
import type { HeraldEvent } from "../events/event";
import type { Severity } from "../events/severity";
import { type Db, queryRows } from "../store/db";
import { ingestEvents } from "../store/ingest";
import type { RecordedChanges, RecordedWebhook } from "../store/queue";
import { deliveries, events, webhooks } from "../store/schema";

/**
 * Herald's own events (herald.*), emitted into its own ingest so that operators subscribe a
 * Slack or Teams webhook to them like to any other type. Each names its webhook in
 * `data.webhook_id`, which ingest uses to keep them from the webhook they are about (no loops).
 * A flood stays small: a recording's dead deliveries make one event per webhook, the failing
 * levels one event for the highest crossed, and a subscriber's `group` (by type and
 * data.webhook_id) turns what is left into digests.
 */

/** The shares of the failure threshold at which herald.webhook.failing is emitted, in percent. */
export const FAILING_PERCENTS = [50, 75, 90] as const;
/** The dead deliveries one herald.delivery.dead event lists (its `count` says how many there were). */
const LISTED_DEAD = 10;

/** Consecutive failures at which `percent` of the threshold is reached; none at or past the threshold. */
export function failingLevel(threshold: number, percent: number): number | null {
  const count = Math.ceil((threshold * percent) / 100);
  return threshold > 0 && count >= 1 && count < threshold ? count : null;
}

/** The highest failing share a webhook's count passed in one recording, if any. */
function crossedPercent(webhook: RecordedWebhook, threshold: number): number | null {
  const before = webhook.reset ? 0 : webhook.failure_count - webhook.failures_added;
  const crossed = FAILING_PERCENTS.filter((percent) => {
    const level = failingLevel(threshold, percent);
    return level !== null && before < level && webhook.failure_count >= level;
  });
  return crossed.at(-1) ?? null;
}

function recovered(webhook: RecordedWebhook, threshold: number): boolean {
  if (!webhook.is_active || !webhook.reset) return false;
  const firstLevel = failingLevel(threshold, FAILING_PERCENTS[0]);
  return webhook.succeeded_after_state_change || (firstLevel !== null && webhook.count_before >= firstLevel);
}

function operatorEvent(
  type: string,
  id: string,
  severity: Severity,
  title: string,
  webhook: { id: string; name: string },
  data: Record<string, unknown>,
  now: Date,
): HeraldEvent {
  return {
    id,
    type,
    source: HERALD_SOURCE,
    time: now.toISOString(),
    severity,
    title,
    subject: webhook.name,
    data: { webhook_id: webhook.id, webhook_name: webhook.name, ...data },
  };
}

/** The failing, disabled and recovered events a recording's webhook changes make. */
export function webhookEvents(changes: RecordedWebhook[], threshold: number, now: Date): HeraldEvent[] {
  return changes.flatMap((webhook) => {
    const name = `"${webhook.name}"`;
    if (webhook.disabled_now) {
      const title = `Webhook ${name} was disabled: ${webhook.disabled_reason ?? "no reason given"}`;
      return [
        operatorEvent(
          "herald.webhook.disabled",
          `disabled/${randomUUID()}`,
          "high",
          title,
          webhook,
          {
            reason: webhook.disabled_reason,
            disabled_by: webhook.state_changed_by,
            failure_count: webhook.failure_count,
            failure_threshold: threshold,
          },
          now,
        ),
      ];
    }
    const percent = webhook.is_active ? crossedPercent(webhook, threshold) : null;
    if (percent !== null) {
      const title = `Webhook ${name} is failing: ${webhook.failure_count} consecutive failed attempts, ${percent} % of the ${threshold} that disable it`;
      return [
        operatorEvent(
          "herald.webhook.failing",
          `failing/${randomUUID()}`,
          percent >= 90 ? "high" : "medium",
          title,
          webhook,
          {
            failure_count: webhook.failure_count,
            failure_threshold: threshold,
            percent,
            last_error: webhook.last_error,
          },
          now,
        ),
      ];
    }
    if (!recovered(webhook, threshold)) return [];
    // Switched back on: one per switch-on, whichever process records the first success.
    const id = webhook.succeeded_after_state_change
      ? `recovered/${webhook.id}/${webhook.state_changed_at}`
      : `recovered/${randomUUID()}`;
    const title = `Webhook ${name} delivers again`;
    return [
      operatorEvent(
        "herald.webhook.recovered",
        id,
        "info",
        title,
        webhook,
        {
          failures_before: webhook.count_before,
        },
        now,
      ),
    ];
  });
}

interface DeadDelivery {
  delivery_id: string;
  webhook_id: string;
  webhook_name: string;
  event_id: string;
  event_type: string;
  attempts: number;
  error: string | null;
}

/** One herald.delivery.dead per webhook for a recording's dead deliveries (of events not Herald's own). */
export function deadEvents(dead: DeadDelivery[], now: Date): HeraldEvent[] {
  const byWebhook = new Map<string, DeadDelivery[]>();
  for (const delivery of dead)
    byWebhook.set(delivery.webhook_id, [...(byWebhook.get(delivery.webhook_id) ?? []), delivery]);
  return [...byWebhook.values()].map((list) => {
    const first = list[0] as DeadDelivery;
    const last = list.at(-1) as DeadDelivery;
    const webhook = { id: first.webhook_id, name: first.webhook_name };
    const title =
      list.length === 1
        ? `A delivery of ${first.event_type} to "${webhook.name}" gave up after ${first.attempts} attempts: ${first.error ?? "no error"}`
        : `${list.length} deliveries to "${webhook.name}" gave up; last error: ${last.error ?? "none"}`;
    return operatorEvent(
      "herald.delivery.dead",
      `dead/${randomUUID()}`,
      "medium",
      title,
      webhook,
      {
        count: list.length,
        last_error: last.error,
        deliveries: list.slice(0, LISTED_DEAD).map(({ webhook_id, webhook_name, ...delivery }) => delivery),
      },
      now,
    );
  });
}

async function readDead(db: Db, ids: string[]): Promise<DeadDelivery[]> {
  if (ids.length === 0) return [];
  // A dead delivery of an operator event says nothing new: it would only echo between webhooks.
  return queryRows<DeadDelivery>(
    db,
    sql`select d.id as delivery_id, d.webhook_id, w.name as webhook_name, e.id as event_id, e.type as event_type,
          d.attempt as attempts, d.error
        from ${deliveries} d join ${webhooks} w on w.id = d.webhook_id join ${events} e on e.key = d.event_key
        where d.id in (select value::uuid from json_array_elements_text(${JSON.stringify(ids)}::json))
          and e.source <> ${HERALD_SOURCE}
        order by d.updated_at`,
  );
}

export interface OperatorEvents {
  /** What a recording changed: its events are ingested in the background, in order. */
  recorded(changes: RecordedChanges): void;
  /** Resolves once everything recorded so far has been emitted (or failed to be). */
  idle(): Promise<void>;
}

/** Emits the operator events of each recording; a failure is reported and never delays delivery. */
export function createOperatorEvents(
  db: Db,
  settings: { failureThreshold: number; onError: (error: unknown) => void; now?: () => Date },
): OperatorEvents {
  let chain = Promise.resolve();
  const now = settings.now ?? (() => new Date());
  async function emit(changes: RecordedChanges) {
    const at = now();
    const found = [
      ...webhookEvents(changes.webhooks, settings.failureThreshold, at),
      ...deadEvents(await readDead(db, changes.dead), at),
    ];
    if (found.length > 0) await ingestEvents(db, found);
  }
  return {
    recorded(changes) {
      if (changes.webhooks.length === 0 && changes.dead.length === 0) return;
      chain = chain.then(() => emit(changes)).catch(settings.onError);
    },
    idle: () => chain,
  };
}
