/**
 * npm run bench (docs/performance.md says what each part measures and what it showed):
 * - end-to-end delivery of a 20,000-event burst through Herald for each kind of destination, on
 *   PGlite and on PostgreSQL (BENCH_DATABASE_URL, default the local server; skipped when it does
 *   not answer), beside syslog-ng forwarding the same events to the same receiver, and Herald's
 *   rate over syslog-ng's; and the machine's raw HTTP ceiling;
 * - steady load: 1,000 events/s for 60 s into one json webhook, delivery and ingest latency;
 * - fan-out: 2,000 events to 100 webhooks;
 * - each format's render rate.
 * BENCH_EVENTS sets the burst's events (20,000), BENCH_STEADY_RATE and BENCH_STEADY_SECONDS the
 * steady load; BENCH_ONLY=<destination> runs one destination's burst on one store (and syslog-ng)
 * and nothing else; BENCH_NODE_FLAGS passes flags to Herald's processes (e.g. "--cpu-prof").
 * `npm run bench -- --storm` runs the storm benchmark alone (bench/storm.ts), `-- --hang` the
 * hanging-receiver one (bench/hang.ts); each on PostgreSQL when it answers, else PGlite.
 */
import postgres from "postgres";
import { benchDelivery, type DeliveryResult, type Destination } from "./delivery";
import { benchFanout } from "./fanout";
import { benchFormats } from "./formats";
import { benchHang } from "./hang";
import { benchHttpBaseline } from "./http-baseline";
import { benchSteady, type Summary } from "./steady";
import { benchStorm, printStorm } from "./storm";
import { benchSyslogNg } from "./syslog-ng";

const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const STEADY_RATE = Number(process.env.BENCH_STEADY_RATE ?? 1000);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 60);

async function postgresAnswers(url: string): Promise<boolean> {
  const client = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await client`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}

const withPostgres = await postgresAnswers(POSTGRES_URL);
if (!withPostgres) process.stdout.write(`PostgreSQL at ${POSTGRES_URL} does not answer: PGlite only\n`);
const mainStore = withPostgres ? "postgres" : "pglite";

if (process.argv.includes("--storm")) {
  printStorm(await benchStorm(mainStore, withPostgres ? POSTGRES_URL : undefined));
  process.exit(0);
}
if (process.argv.includes("--hang")) {
  const { store, events, alone, beside, ratio } = await benchHang(
    mainStore,
    withPostgres ? POSTGRES_URL : undefined,
  );
  process.stdout.write(
    `\n${events} events to webhook B (json) on ${store}, alone and beside a webhook whose receiver never answers\n`,
  );
  console.table(
    [alone, beside].map((run) => ({
      "webhook B": run.withHangingWebhook ? "beside the hanging webhook" : "alone",
      "seconds to its last event": run.seconds.toFixed(1),
      "events/s": run.figures.eventsPerSecond,
      "p99 ms": run.figures.p99Ms,
      "requests held by the hanging receiver": run.heldByHanging,
    })),
  );
  process.stdout.write(`B beside the hanging webhook took ${(ratio * 100).toFixed(0)} % of its time alone\n`);
  process.exit(0);
}

const store = withPostgres ? POSTGRES_URL : undefined;
const only = process.env.BENCH_ONLY as Destination | undefined;
const runs: ["pglite" | "postgres", Destination][] = only
  ? [[mainStore, only]]
  : [
      ["pglite", "json"],
      ...(withPostgres ? [["postgres", "json"] as ["postgres", Destination]] : []),
      [mainStore, "splunk_hec"],
      [mainStore, "syslog_tcp"],
      [mainStore, "syslog_udp"],
    ];
const results: DeliveryResult[] = [];
for (const [kind, destination] of runs) results.push(await benchDelivery(kind, destination, store));
const syslogNg = await benchSyslogNg(EVENTS);
const baseline = await benchHttpBaseline(EVENTS);

process.stdout.write(
  "\nend-to-end delivery: events posted in batches of 1,000, one webhook, receiver in another process\n",
);
console.table([
  ...results.map((r) => ({
    forwarder: `herald ${r.store}`,
    destination: r.destination,
    "received/sent": `${r.received}/${r.events}`,
    "events/s": r.eventsPerSecond,
    "p50 ms": r.p50Ms,
    "p99 ms": r.p99Ms,
    "peak RSS MiB": r.peakRssMiB,
  })),
  {
    forwarder: `syslog-ng (${syslogNg.workers} workers, reliable disk buffer)`,
    destination: "json",
    "received/sent": `${syslogNg.received}/${syslogNg.events}`,
    "events/s": syslogNg.eventsPerSecond,
    "p50 ms": syslogNg.p50Ms,
    "p99 ms": syslogNg.p99Ms,
    "peak RSS MiB": syslogNg.peakRssMiB,
  },
]);
for (const r of results.filter((each) => each.destination === "json")) {
  const ratio = r.eventsPerSecond / syslogNg.eventsPerSecond;
  process.stdout.write(`herald on ${r.store} ÷ syslog-ng, json over HTTP: ${ratio.toFixed(2)}\n`);
}
process.stdout.write(`for scale, undici straight to the same receiver (no Herald): ${baseline} requests/s\n`);
if (only) process.exit(0);

const steady = [];
for (const kind of withPostgres ? (["postgres", "pglite"] as const) : (["pglite"] as const)) {
  steady.push(await benchSteady(kind, store, STEADY_RATE, STEADY_SECONDS));
}
process.stdout.write(
  `\nsteady load: ${STEADY_RATE} events/s for ${STEADY_SECONDS} s (posts of ${STEADY_RATE / 100} every 10 ms), one json webhook; ms, the first 2 s left out\n`,
);
console.table(
  steady.map((r) => ({
    store: r.store,
    "events/s": r.achievedPerSecond,
    "delivery p50/p95/p99/max": spread(r.delivery),
    "ingest p50/p95/p99/max": spread(r.ingest),
    "not 202": r.non202,
    "late (> 120 s after the last post)": r.late,
    "bench's own lag ms": r.maxSendLagMs,
    "peak RSS MiB": r.peakRssMiB,
  })),
);

const fanout = await benchFanout(mainStore, store);
process.stdout.write(`\nfan-out: every event to ${fanout.webhooks} json webhooks\n`);
console.table([
  {
    store: fanout.store,
    deliveries: fanout.deliveries,
    seconds: fanout.seconds,
    "deliveries/s": fanout.deliveriesPerSecond,
    "first receipt p50 ms": fanout.firstReceiptP50Ms,
    "first receipt p99 ms": fanout.firstReceiptP99Ms,
    "peak RSS MiB": fanout.peakRssMiB,
  },
]);

process.stdout.write(
  "\nrender rate on one core, default template vs a hand-written serializer of the same output\n",
);
console.table(await benchFormats());

function spread({ p50, p95, p99, max }: Summary): string {
  return [p50, p95, p99, max].map((ms) => Math.round(ms)).join(" / ");
}
