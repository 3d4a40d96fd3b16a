import { type SQL, sql } from "drizzle-orm";
import type { HeraldEvent } from "../events/event";
import { type Db, parsedJson, queryRows } from "./db";

import { claimedBy, type IngestPlan, identity, type StraightSender } from "./ingest-plan";
import { CLAIMED_AS_JSON, type ClaimedAtQueue, claimColumns } from "./queue-deliveries";
import { deliveries, events } from "./schema";
import { webhooksVersion } from "./subscribers";

/** What storing a batch did: the key of each event stored now, by identity, and the deliveries stored claimed. */
export interface Stored {
  keys: Map<string, number>;
  claimed: ClaimedAtQueue[];
}

/** Inserts the batch's events, `when` it holds; those already stored are left out and not answered. */
export function insertEvents(batch: HeraldEvent[], when: SQL = sql`true`): SQL {
  return sql`
    insert into ${events} (id, source, type, time, severity, title, subject, data)
    select v.id, v.source, v.type, v.time, v.severity, v.title, v.subject, v.data
    from json_to_recordset(${JSON.stringify(batch)}::json) as v(
      id text, source text, type text, time timestamptz, severity text, title text, subject text, data json)
    where ${when}
    on conflict (source, id) do nothing
    returning key, id, source`;
}

/**
 * Stores the events and their deliveries in one statement (atomic without a transaction, one
 * round trip), for webhooks as ingest last read them (version `version`): if any webhook changed
 * since, it stores nothing and answers undefined, and the caller reads the webhooks again. Only
 * for webhooks that queue plainly (no dedup, digests or lossy trimming: store/subscribers.ts).
 */
export async function storeInOneStatement(
  db: Db,
  batch: HeraldEvent[],
  plan: IngestPlan,
  version: string,
  straight: StraightSender | undefined,
): Promise<Stored | undefined> {
  const rows = plan.deliveries.map(({ index, webhook, straight: sendsStraight }) => {
    const { event } = plan.events[index] as IngestPlan["events"][number];
    return {
      source: event.source,
      id: event.id,
      webhook_id: webhook.id,
      ...(sendsStraight && claimedBy(straight)),
    };
  });
  const [answer] = await queryRows<{
    fresh: boolean;
    stored: { key: number | string; id: string; source: string }[] | string;
    claimed: ClaimedAtQueue[] | string;
  }>(
    db,
    sql`
      with fresh as (select ${webhooksVersion} = ${version} as ok),
      stored as (${insertEvents(batch, sql`(select ok from fresh)`)}),
      queued as (
        insert into ${deliveries} (webhook_id, event_key, next_attempt_at, claimed_by, attempt)
        select v.webhook_id, s.key, ${claimColumns(sql`now()`)}
        from json_to_recordset(${JSON.stringify(rows)}::json)
          as v(source text, id text, webhook_id uuid, claimed_by uuid, lease_ms int)
        join stored s on s.source = v.source and s.id = v.id
        returning id, webhook_id, event_key, created_at, claimed_by)
      select (select ok from fresh) as fresh,
        (select coalesce(json_agg(json_build_object('key', key, 'id', id, 'source', source)), '[]') from stored) as stored,
        (select ${CLAIMED_AS_JSON} from queued) as claimed`,
  );
  if (!answer?.fresh) return undefined;
  return { keys: storedKeys(parsedJson(answer.stored)), claimed: parsedJson(answer.claimed) };
}

/** The events an insert stored, their keys by identity. */
export function storedKeys(
  rows: { key: number | string; id: string; source: string }[],
): Map<string, number> {
  return new Map(rows.map((row) => [identity(row), Number(row.key)]));
}
