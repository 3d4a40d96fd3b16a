/**
 * npm run bench -- --storm: a ban storm. 50,000 auto_ban events (BENCH_STORM_EVENTS) from 500
 * client IPs (one per 100 events) posted at a steady rate for 10 s, to a Herald with a Slack
 * webhook grouped by client IP (wait 5 s, interval 30 s) into a Slack stand-in that allows one
 * message a second (slack-stand-in.ts), and an ungrouped json webhook; then the same storm with
 * the json webhook alone. Waits until every delivery has ended (BENCH_STORM_SETTLE_S after the
 * last post at most, 900) and reports, per webhook, messages received and every event accounted
 * for (delivered, suppressed, discarded or dead), and the json webhook's rate with and without
 * the Slack webhook beside it.
 */
import {
  banEvent,
  eventId,
  type Herald,
  receiptFigures,
  type Store,
  startHerald,
  startReceiver,
} from "./herald";

const EVENTS = Number(process.env.BENCH_STORM_EVENTS ?? 50_000);
const CLIENT_IPS = Math.max(1, Math.round(EVENTS / 100));
const STORM_MS = 10_000;
const BATCH_EVERY_MS = 100;
const BATCHES = STORM_MS / BATCH_EVERY_MS;
const BATCH = Math.ceil(EVENTS / BATCHES);
/** Posts that may be unanswered at once: a slow ingest delays the next batches rather than piling up. */
const MAX_POSTS_IN_FLIGHT = 4;
/** At one Slack message a second, the full storm's ~500 groups need about 10 minutes to drain. */
const SETTLE_S = Number(process.env.BENCH_STORM_SETTLE_S ?? 900);
const GROUP = { by: ["data.client_ip"], wait_s: 5, interval_s: 30 };

const ENDED = ["delivered", "suppressed", "discarded", "dead"] as const;
type Counts = Record<(typeof ENDED)[number] | "pending" | "retrying", number>;
interface Stats {
  counts: Counts;
  queue: { depth: number };
}

interface WebhookTally {
  name: string;
  counts: Counts;
  /** Requests the receiver took at the webhook's path (the Slack stand-in: those it answered 200). */
  messages: number;
  /** Its flow_status when it had not settled in time. */
  left: Record<string, unknown> | null;
}

export interface StormRun {
  webhooks: WebhookTally[];
  postedOverMs: number;
  /** From the first post to the poll that found every delivery ended; null if the bound was hit. */
  settledAfterMs: number | null;
  slack: { ok: number; throttled: number; rejected: number };
  json: ReturnType<typeof receiptFigures>;
  peakRssMiB: number;
}

export interface StormResult {
  store: Store;
  withSlack: StormRun;
  jsonAlone: StormRun;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const n = (value: number) => value.toLocaleString("en-US");

function clientIp(k: number): string {
  return `10.0.${Math.floor(k / 256)}.${k % 256}`;
}

/** Posts batch b at b × 100 ms from the first; returns when each event was posted. */
async function postStorm(herald: Herald): Promise<{ started: number; postedAt: Map<string, number> }> {
  const postedAt = new Map<string, number>();
  const batches = Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: Math.max(0, Math.min(BATCH, EVENTS - b * BATCH)) }, (_, i) =>
      banEvent(eventId(b, i), clientIp((b * BATCH + i) % CLIENT_IPS)),
    ),
  ).filter((batch) => batch.length > 0);
  const inFlight = new Set<Promise<void>>();
  const post = async (batch: ReturnType<typeof banEvent>[]) => {
    const sentAt = Date.now();
    const response = await herald.call("POST", "/api/v1/events", batch);
    if (response.status !== 202)
      throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    for (const event of batch) postedAt.set(event.id, sentAt);
  };
  const started = Date.now();
  for (const [b, batch] of batches.entries()) {
    const due = started + b * BATCH_EVERY_MS;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inFlight.size >= MAX_POSTS_IN_FLIGHT) await Promise.race(inFlight);
    const posting: Promise<void> = post(batch).finally(() => inFlight.delete(posting));
    inFlight.add(posting);
  }
  await Promise.all(inFlight);
  return { started, postedAt };
}

async function statsOf(herald: Herald, id: string): Promise<Stats> {
  const response = await herald.call("GET", `/api/v1/webhooks/${id}/stats?window=1h`);
  if (response.status !== 200) throw new Error(`stats answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Stats;
}

const accountedFor = (counts: Counts) => ENDED.reduce((sum, status) => sum + counts[status], 0);

const SLACK_WEBHOOK = {
  name: "slack, grouped by client IP",
  path: "/slack",
  settings: { format: "slack", group: GROUP },
};
const JSON_WEBHOOK = { name: "json", path: "/json", settings: { format: "json" } };

/** Polls each webhook's stats every second until every delivery has ended, or SETTLE_S after now. */
async function waitUntilSettled(
  herald: Herald,
  webhooks: { name: string; id: string }[],
  started: number,
): Promise<{ stats: Stats[]; settledAfterMs: number | null }> {
  const deadline = Date.now() + SETTLE_S * 1000;
  for (let nextReport = Date.now() + 30_000; ; await sleep(1000)) {
    const stats = await Promise.all(webhooks.map(({ id }) => statsOf(herald, id)));
    if (stats.every((each) => each.queue.depth === 0 && accountedFor(each.counts) === EVENTS)) {
      return { stats, settledAfterMs: Date.now() - started };
    }
    if (Date.now() > deadline) return { stats, settledAfterMs: null };
    if (Date.now() >= nextReport) {
      nextReport += 30_000;
      const queued = webhooks.map(({ name }, i) => `${name} ${n(stats[i]?.queue.depth ?? 0)}`);
      const elapsedS = Math.round((Date.now() - started) / 1000);
      process.stderr.write(`storm: ${elapsedS} s, queued: ${queued.join(", ")}\n`);
    }
  }
}

async function runStorm(store: Store, serverUrl: string | undefined, withSlack: boolean): Promise<StormRun> {
  const receiver = await startReceiver();
  try {
    const herald = await startHerald(store, serverUrl);
    try {
      const webhooks = [];
      for (const { name, path, settings } of withSlack ? [SLACK_WEBHOOK, JSON_WEBHOOK] : [JSON_WEBHOOK]) {
        const url = `${receiver.url}${path}`;
        webhooks.push({
          name,
          path,
          id: await herald.createWebhook({ name, url, retry_count: 10, ...settings }),
        });
      }
      const { started, postedAt } = await postStorm(herald);
      const postedOverMs = Date.now() - started;
      const { stats, settledAfterMs } = await waitUntilSettled(herald, webhooks, started);

      const messages = await receiver.messages();
      const tallies: WebhookTally[] = [];
      for (const [i, { name, path, id }] of webhooks.entries()) {
        tallies.push({
          name,
          counts: (stats[i] as Stats).counts,
          messages: path === SLACK_WEBHOOK.path ? messages.slack.ok : (messages.byPath[path] ?? 0),
          left: settledAfterMs === null ? await flowStatusOf(herald, id) : null,
        });
      }
      return {
        webhooks: tallies,
        postedOverMs,
        settledAfterMs,
        slack: messages.slack,
        json: receiptFigures(await receiver.received(), postedAt, started),
        peakRssMiB: herald.peakRssMiB(),
      };
    } finally {
      await herald.stop();
    }
  } finally {
    await receiver.stop();
  }
}

async function flowStatusOf(herald: Herald, id: string): Promise<Record<string, unknown>> {
  const response = await herald.call("GET", `/api/v1/webhooks/${id}`);
  const { flow_status } = (await response.json()) as { flow_status: Record<string, unknown> };
  const { groups: _shown, ...rest } = flow_status;
  return rest;
}

export async function benchStorm(store: Store, serverUrl?: string): Promise<StormResult> {
  const withSlack = await runStorm(store, serverUrl, true);
  const jsonAlone = await runStorm(store, serverUrl, false);
  return { store, withSlack, jsonAlone };
}

export function printStorm({ store, withSlack, jsonAlone }: StormResult): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `\nstorm on ${store}: ${n(EVENTS)} auto_ban events from ${n(CLIENT_IPS)} client IPs, ` +
      `${n(BATCH)} scheduled every ${BATCH_EVERY_MS} ms for ${STORM_MS / 1000} s (${n((BATCH * 1000) / BATCH_EVERY_MS)}/s)`,
  );
  out(
    "webhooks: Slack grouped by data.client_ip (wait 5 s, interval 30 s) into a stand-in allowing " +
      `${process.env.BENCH_SLACK_PER_S ?? 1} message/s, bursts of ${process.env.BENCH_SLACK_BURST ?? 5}; json ungrouped`,
  );
  for (const [label, run] of [
    ["with the Slack webhook", withSlack],
    ["json alone", jsonAlone],
  ] as const) {
    const settled =
      run.settledAfterMs === null
        ? `NOT settled ${SETTLE_S} s after the last post`
        : `every delivery ended ${(run.settledAfterMs / 1000).toFixed(1)} s after the first post`;
    out(`${label}: posted in ${(run.postedOverMs / 1000).toFixed(1)} s; ${settled}`);
  }
  console.table(
    withSlack.webhooks.map((webhook) => ({
      webhook: webhook.name,
      "messages received": webhook.messages,
      "events per message":
        webhook.messages === 0 ? "-" : (webhook.counts.delivered / webhook.messages).toFixed(1),
      delivered: webhook.counts.delivered,
      suppressed: webhook.counts.suppressed,
      discarded: webhook.counts.discarded,
      dead: webhook.counts.dead,
      "still queued": webhook.counts.pending + webhook.counts.retrying,
      "accounted for": `${n(accountedFor(webhook.counts))} of ${n(EVENTS)}`,
    })),
  );
  out(
    `Slack stand-in: ${n(withSlack.slack.ok)} messages taken, ${n(withSlack.slack.throttled)} answered 429, ` +
      `${n(withSlack.slack.rejected)} answered 400`,
  );
  for (const run of [withSlack, jsonAlone]) {
    for (const webhook of run.webhooks.filter((each) => each.left)) {
      out(`left when the bound was hit, ${webhook.name}: ${JSON.stringify(webhook.left)}`);
    }
  }
  out("json webhook: events/s from the first post to the last receipt, post-to-receipt latency");
  console.table(
    [
      ["beside the Slack webhook", withSlack],
      ["alone", jsonAlone],
    ].map(([label, run]) => {
      const { json, peakRssMiB } = run as StormRun;
      return {
        json: label,
        "received/sent": `${json.received}/${EVENTS}`,
        "events/s": json.eventsPerSecond,
        "p50 ms": json.p50Ms,
        "p99 ms": json.p99Ms,
        "Herald peak RSS MiB": peakRssMiB,
      };
    }),
  );
}
