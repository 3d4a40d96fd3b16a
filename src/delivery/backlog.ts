import { sql } from "drizzle-orm";
import { describeError } from "../errors";
import { HERALD_SOURCE } from "../events/catalog";
import type { HeraldEvent } from "../events/event";
import type { Logger } from "../logger";
import { type Db, queryRows } from "../store/db";
import { ingestEvents } from "../store/ingest";
import { deliveries, webhooks } from "../store/schema";

/** Queued deliveries counted for herald.queue.backlog; past this the event says "at least". */
const COUNTED = 10_000;

interface Backlog {
  webhook_id: string;
  webhook_name: string;
  oldest_delivery_id: string;
  oldest_age_s: number;
  queued: number;
}

/** Active, unpaused webhooks whose oldest queued delivery is older than `ageS` (index-served, per webhook). */
async function findBacklogs(db: Db, ageS: number): Promise<Backlog[]> {
  return queryRows<Backlog>(
    db,
    sql`select w.id as webhook_id, w.name as webhook_name, o.id as oldest_delivery_id,
          floor(extract(epoch from now() - o.created_at))::int as oldest_age_s,
          (select count(*)::int from (select 1 from ${deliveries} q
             where q.webhook_id = w.id and q.status in ('pending', 'retrying') limit ${COUNTED}) c) as queued
        from ${webhooks} w cross join lateral (
          select d.id, d.created_at from ${deliveries} d
          where d.webhook_id = w.id and d.status in ('pending', 'retrying')
          order by d.created_at limit 1) o
        where w.is_active and not w.paused and o.created_at < now() - make_interval(secs => ${ageS})`,
  );
}

function backlogEvent(backlog: Backlog, ageS: number, now: Date): HeraldEvent {
  const queued = backlog.queued >= COUNTED ? `at least ${COUNTED}` : String(backlog.queued);
  return {
    // The same oldest delivery is the same episode, whichever process sees it first.
    id: `backlog/${backlog.webhook_id}/${backlog.oldest_delivery_id}`,
    type: "herald.queue.backlog",
    source: HERALD_SOURCE,
    time: now.toISOString(),
    severity: "medium",
    title: `Webhook "${backlog.webhook_name}" is behind: its oldest queued delivery waits for ${backlog.oldest_age_s} s (${queued} queued)`,
    subject: backlog.webhook_name,
    data: { ...backlog, backlog_alert_s: ageS },
  };
}

/**
 * Looks every quarter of `HERALD_BACKLOG_ALERT_S` (at most every minute) for webhooks whose oldest
 * queued delivery is older than that, and emits herald.queue.backlog once per episode: a webhook
 * is reported when it falls behind and again only after it has caught up. 0 turns it off.
 */
export function startBacklogCheck(
  db: Db,
  config: { HERALD_BACKLOG_ALERT_S: number },
  log: Logger,
  now: () => Date = () => new Date(),
): { stop(): void } {
  const ageS = config.HERALD_BACKLOG_ALERT_S;
  if (ageS <= 0) return { stop() {} };
  const behind = new Set<string>();
  let running = false;
  async function check() {
    const found = await findBacklogs(db, ageS);
    const fresh = found.filter((backlog) => !behind.has(backlog.webhook_id));
    if (fresh.length > 0)
      await ingestEvents(
        db,
        fresh.map((backlog) => backlogEvent(backlog, ageS, now())),
      );
    behind.clear();
    for (const backlog of found) behind.add(backlog.webhook_id);
  }
  const timer = setInterval(
    () => {
      if (running) return;
      running = true;
      check()
        .catch((error) =>
          log.error("could not check the queue for backlogs", { error: describeError(error) }),
        )
        .finally(() => {
          running = false;
        });
    },
    Math.min(Math.max((ageS * 1000) / 4, 100), 60_000),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
