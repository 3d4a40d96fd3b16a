/**
 * npm run bench: end-to-end delivery through Herald for each kind of destination, on PGlite and
 * on PostgreSQL (BENCH_DATABASE_URL, default the local server; skipped when it does not answer),
 * beside the machine's raw HTTP ceiling; then each format's render rate.
 * BENCH_EVENTS sets the number of events (20,000), BENCH_ONLY=<destination> runs one destination
 * on one store, BENCH_NODE_FLAGS passes flags to the processes (e.g. "--cpu-prof").
 * `npm run bench -- --storm` runs the storm benchmark alone (bench/storm.ts), `-- --hang` the
 * hanging-receiver one (bench/hang.ts); each on PostgreSQL when it answers, else PGlite.
 */
import postgres from "postgres";
import { benchDelivery, type DeliveryResult, type Destination } from "./delivery";
import { benchFormats } from "./formats";
import { benchHang } from "./hang";
import { benchHttpBaseline } from "./http-baseline";
import { benchStorm, printStorm } from "./storm";

const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);

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

const runs: ["pglite" | "postgres", Destination][] = process.env.BENCH_ONLY
  ? [[mainStore, process.env.BENCH_ONLY as Destination]]
  : [
      ["pglite", "json"],
      ...(withPostgres ? [["postgres", "json"] as ["postgres", Destination]] : []),
      [mainStore, "splunk_hec"],
      [mainStore, "syslog_tcp"],
      [mainStore, "syslog_udp"],
    ];
const results: DeliveryResult[] = [];
for (const [store, destination] of runs) {
  results.push(await benchDelivery(store, destination, withPostgres ? POSTGRES_URL : undefined));
}
const baseline = await benchHttpBaseline(EVENTS);

process.stdout.write(
  "\nend-to-end delivery: events posted in batches of 1,000, one webhook, receiver in another process\n",
);
console.table(
  results.map((r) => ({
    store: r.store,
    destination: r.destination,
    "received/sent": `${r.received}/${r.events}`,
    "events/s": r.eventsPerSecond,
    "p50 ms": r.p50Ms,
    "p99 ms": r.p99Ms,
    "peak RSS MiB": r.peakRssMiB,
  })),
);
process.stdout.write(`for scale, undici straight to the same receiver (no Herald): ${baseline} requests/s\n`);

process.stdout.write(
  "\nrender rate on one core, default template vs a hand-written serializer of the same output\n",
);
console.table(await benchFormats());
