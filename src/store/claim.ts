import { inArray, sql } from "drizzle-orm";
import type { HeraldEvent } from "../events/event";
import type { Severity } from "../events/severity";
import { DEFAULT_MAX_IN_FLIGHT } from "../webhooks/flow";
import { type Db, queryRows } from "./db";
import type { DeliveryJob } from "./queue";
import { deliveries, events, webhooks } from "./schema";

export interface ClaimLimits {
  /** The most deliveries to claim in all. */
  limit: number;
  /** How long a claimed delivery stays this worker's before it is due again. */
  leaseMs: number;
  /** The claiming worker (store/workers.ts): if it dies, its claims are handed back at once. */
  workerId: string;
  /** This process's requests held (sending or claimed to be sent), by webhook id. */
  requestsHeld: ReadonlyMap<string, number>;
  /**
   * Each webhook may hold up to this many times its max_in_flight in requests (delivery/windows.ts
   * sends only max_in_flight at once); while a 429 hold is probed, one.
   */
  maxClaimAhead: number;
  /** Events one request carries, by "<format> <destination kind>" (absent: one). */
  eventsPerRequest: Readonly<Record<string, number>>;
  /** The formats and destination kinds that together send a grouping webhook's digests (delivery/render.ts). */
  digestSenders: { formats: readonly string[]; kinds: readonly string[] };
}

/**
 * Claims due deliveries, fairly: each ready webhook (active, not paused, not throttled by a 429)
 * gets at most what its flow control allows — its free max_in_flight requests' worth, the tokens
 * of its rate limit, and for a FIFO webhook only its oldest queued delivery — and the oldest due
 * of those are claimed, up to `limit`. A webhook that sends digests is claimed a group at a
 * time: a group's due deliveries are one message, claimed whole (the limit may be passed by one).
 * Claiming counts the attempt, names the worker in claimed_by and moves next_attempt_at to the end
 * of a lease: if the worker dies, store/workers.ts hands its claims back as soon as another worker
 * sees it gone, and the lease is the last resort.
 *
 * Each ready webhook's row is locked while it is claimed (SKIP LOCKED: another process takes the
 * other webhooks meanwhile), so its rate limit and FIFO order hold across every process on one
 * database: the rate limit is a GCRA whose theoretical arrival time is the webhook's `rate_tat`.
 */
export async function claimDueDeliveries(db: Db, limits: ClaimLimits): Promise<DeliveryJob[]> {
  const held = JSON.stringify(Object.fromEntries(limits.requestsHeld));
  // A waiting request starts once each round of max_in_flight ahead of it has answered, each
  // within timeout_ms: claiming n rounds' worth, the last one ends within n × timeout_ms. Fewer
  // rounds for a slow webhook keep that 10 s inside the lease, so no other process takes it.
  const claimAhead = sql`least(${limits.maxClaimAhead}::int,
    greatest(1, floor((${limits.leaseMs}::int - 10000) / w.timeout_ms)::int))`;
  const perRequest = JSON.stringify(limits.eventsPerRequest);
  const queued = sql.raw("status in ('pending', 'retrying')");
  const digestFormats = `{${limits.digestSenders.formats}}`;
  const digestKinds = `{${limits.digestSenders.kinds}}`;
  const claimed = await queryRows<ClaimedRow>(
    db,
    sql`
      with ready as (
        select w.id,
          -- After a receiver's 429 hold (throttle_reason set until a success clears it), one
          -- request probes at a time: the whole max_in_flight at once would mostly meet 429s again.
          greatest(0, case when w.throttle_reason is not null then 1
                           else coalesce((w.flow->>'max_in_flight')::int, ${DEFAULT_MAX_IN_FLIGHT})
                                * ${claimAhead} end
                      - coalesce((${held}::jsonb->>w.id::text)::int, 0)) as slots,
          coalesce((${perRequest}::jsonb->>(w.format || ' ' || (w.destination->>'kind')))::int, 1) as per_request,
          jsonb_typeof(w.flow->'group') = 'object' and w.format = any(${digestFormats}::text[])
            and w.destination->>'kind' = any(${digestKinds}::text[]) as digests,
          coalesce((w.flow->'group'->>'max_events')::int, 1) as digest_max,
          coalesce(w.flow->>'ordering' = 'fifo', false) as fifo,
          (w.flow->'rate_limit'->>'per_second')::float8 as rate,
          coalesce((w.flow->'rate_limit'->>'burst')::int,
                   greatest(1, floor((w.flow->'rate_limit'->>'per_second')::float8)::int)) as burst,
          greatest(coalesce(w.rate_tat, now()), now()) as tat
        from ${webhooks} w
        -- One due delivery per webhook, looked up in the queue index. As an EXISTS, the planner
        -- (its estimate of due rows far off during a burst) hashed every due delivery first:
        -- 10 ms per claim with 3,000 due. Ordered as the index is: unordered, statistics taken
        -- while most deliveries were queued made it read the table from the start for the first
        -- due one, past every delivery already sent (5 ms at 8,000, growing with the table).
        cross join lateral (select 1 from ${deliveries} d
                            where d.webhook_id = w.id and d.${queued} and d.next_attempt_at <= now()
                            order by d.next_attempt_at
                            limit 1) due
        where w.is_active and not w.paused
          and (w.throttled_until is null or w.throttled_until <= now())
        -- Not FOR UPDATE: that conflicts with the key-share lock every insert of a delivery or an
        -- attempt takes on its webhook (the foreign key), so a claim running beside an ingest or
        -- a record skipped the webhook and came back empty. Claims still exclude each other.
        for no key update of w skip locked
      ), allowed as (
        -- Messages this webhook may be sent now: a digest of a group is one message, otherwise
        -- each delivery is; its free requests' worth, and no more than its rate limit's tokens
        -- (the burst less what the theoretical arrival time is ahead of now).
        select r.id, r.rate, r.fifo, r.digests, r.digest_max, least(
          case when r.digests then r.slots else r.slots * r.per_request end,
          case when r.rate is null then ${Number.MAX_SAFE_INTEGER}::bigint
               else floor(r.burst - extract(epoch from r.tat - now()) * r.rate + 1e-9)::bigint end
        ) as messages
        from ready r
      ), picked as (
        select p.id, p.next_attempt_at, a.id as webhook_id,
          case when a.digests then coalesce(p.group_key, '') else p.id::text end as message
        from allowed a
        cross join lateral (
          select d.id, d.next_attempt_at, d.group_key from ${deliveries} d
          where d.webhook_id = a.id and d.${queued} and d.next_attempt_at <= now()
            and (not a.fifo or d.id = (
              select h.id from ${deliveries} h where h.webhook_id = a.id and h.${queued}
              order by h.created_at, h.event_key limit 1))
          order by d.next_attempt_at
          limit greatest(a.messages, 0) * (case when a.digests then a.digest_max else 1 end)
          for no key update of d skip locked
        ) p
      ), messages as (
        select webhook_id, message, min(next_attempt_at) as due, count(*) as size,
          row_number() over (partition by webhook_id order by min(next_attempt_at), message) as nth
        from picked group by webhook_id, message
      ), chosen as (
        -- The oldest due messages, up to the limit of deliveries; a digest is never cut in two.
        select m.webhook_id, m.message
        from (select m.*, sum(m.size) over (order by m.due, m.webhook_id, m.message rows unbounded preceding)
                          - m.size as before
              from messages m) m
        join allowed a on a.id = m.webhook_id
        where m.nth <= a.messages and m.before < ${limits.limit}
      ), taken as (
        select p.id, p.next_attempt_at, p.webhook_id
        from picked p join chosen c on c.webhook_id = p.webhook_id and c.message = p.message
      ), reporter as (
        -- The first delivery claimed now of each webhook reports the repeats dedup suppressed since
        -- its previous message; each repeat names it. Repeats an ingest has not committed yet wait
        -- for a later claim, so none is counted twice or missed.
        select distinct on (t.webhook_id) t.id, t.webhook_id from taken t
        order by t.webhook_id, t.next_attempt_at, t.id
      ), reported as (
        update ${deliveries} s set reported_by = r.id
        from reporter r
        where s.webhook_id = r.webhook_id and s.status = 'suppressed' and s.reported_by is null
        returning s.reported_by
      ), reports as (
        select reported_by as id, count(*)::int as count from reported group by reported_by
      ), claimed as (
        update ${deliveries} d
        set attempt = d.attempt + 1,
            next_attempt_at = now() + ${limits.leaseMs} * interval '1 millisecond',
            claimed_by = ${limits.workerId}::uuid,
            suppressed_before = d.suppressed_before + coalesce(reports.count, 0),
            updated_at = now()
        from taken left join reports on reports.id = taken.id
        where d.id = taken.id
        returning d.id, d.webhook_id, d.event_key, d.attempt, d.uncounted_attempts, d.created_at, d.is_test,
                  d.suppressed_before, d.group_key
      ), spent as (
        -- A token per message: a digest takes one, however many events it carries.
        update ${webhooks} w
        set rate_tat = greatest(coalesce(w.rate_tat, now()), now()) + n.count / a.rate * interval '1 second'
        from (select webhook_id, count(*) as count from chosen group by webhook_id) n
        join allowed a on a.id = n.webhook_id
        where w.id = n.webhook_id and a.rate is not null
      )
      select c.id, c.webhook_id, c.attempt, c.uncounted_attempts, c.created_at, c.is_test, c.suppressed_before, c.group_key,
             e.id as event_id, e.source, e.type, e.time, e.severity, e.title, e.subject, e.data
      from claimed c
      -- Each claimed delivery's event by its key. As a join, the planner (taking the claim to be
      -- as large as its limit) hashed every event first: 29 ms for 16 deliveries among 20,000.
      -- The key is unique; the limit keeps PostgreSQL from turning the subquery back into a join.
      cross join lateral (select * from ${events} e where e.key = c.event_key limit 1) e
      order by c.created_at, c.event_key`,
  );
  if (claimed.length === 0) return [];
  const webhookIds = [...new Set(claimed.map((row) => row.webhook_id))];
  const webhookRows = await db.select().from(webhooks).where(inArray(webhooks.id, webhookIds));
  const webhookById = new Map(webhookRows.map((row) => [row.id, row]));
  return claimed.flatMap((row) => {
    const webhook = webhookById.get(row.webhook_id);
    if (!webhook) return []; // deleted since it was claimed
    const event: HeraldEvent = {
      id: row.event_id,
      type: row.type,
      source: row.source,
      time: new Date(row.time).toISOString(),
      severity: row.severity as Severity,
      title: row.title,
      subject: row.subject,
      data: typeof row.data === "string" ? JSON.parse(row.data) : row.data,
    };
    return [
      {
        deliveryId: row.id,
        attempt: row.attempt,
        uncountedAttempts: row.uncounted_attempts,
        createdAt: new Date(row.created_at),
        isTest: row.is_test,
        suppressedBefore: row.suppressed_before,
        groupKey: row.group_key,
        event,
        webhook,
      },
    ];
  });
}

/**
 * Undoes this worker's claims of deliveries it never sent (they waited for a place and their
 * webhook was held by a 429, or the engine is stopping): due again at once, the attempt not
 * counted, nothing in their history. A claim that is no longer this worker's is left alone.
 */
export async function returnUnsentClaims(
  db: Db,
  workerId: string,
  claims: { deliveryId: string; attempt: number }[],
): Promise<void> {
  if (claims.length === 0) return;
  const rows = JSON.stringify(claims.map((claim) => ({ id: claim.deliveryId, attempt: claim.attempt })));
  await db.execute(sql`
    update ${deliveries} d
    set attempt = d.attempt - 1, next_attempt_at = now(), claimed_by = null, updated_at = now()
    from json_to_recordset(${rows}::json) as v(id uuid, attempt int)
    where d.id = v.id and d.attempt = v.attempt and d.claimed_by = ${workerId}::uuid`);
}

interface ClaimedRow {
  id: string;
  webhook_id: string;
  attempt: number;
  uncounted_attempts: number;
  created_at: Date | string;
  is_test: boolean;
  suppressed_before: number;
  group_key: string | null;
  event_id: string;
  source: string;
  type: string;
  time: Date | string;
  severity: string;
  title: string;
  subject: string | null;
  data: Record<string, unknown> | string;
}
