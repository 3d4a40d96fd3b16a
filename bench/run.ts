/**
 * npm run bench: end-to-end delivery on PGlite and on PostgreSQL (BENCH_DATABASE_URL, default
 * the local server; skipped when it does not answer).
 */
import postgres from "postgres";
import { benchDelivery } from "./delivery";

const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

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

const results = [await benchDelivery("pglite")];
if (await postgresAnswers(POSTGRES_URL)) results.push(await benchDelivery("postgres", POSTGRES_URL));
else process.stdout.write(`PostgreSQL at ${POSTGRES_URL} does not answer: skipped\n`);

process.stdout.write(
  "\nend-to-end delivery (json webhook, one request per event, receiver in another process)\n",
);
console.table(
  results.map((r) => ({
    store: r.store,
    events: r.events,
    "events/s": r.eventsPerSecond,
    "p50 ms": r.p50Ms,
    "p99 ms": r.p99Ms,
    "peak RSS MiB": r.peakRssMiB,
  })),
);
