import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, expect } from "vitest";
import { openStore, queryRows } from "../../src/store/db";
import { createTestDatabase, type StoreKind } from "../support/databases";
import { rawFixture } from "../support/fixtures";
import type { HeraldProcess } from "../support/herald-process";
import type { EventReceiver } from "./event-receiver";
import { printFigures } from "./figures";

// The fault suite runs in CI, which must stay within its time: small defaults, and environment
// knobs for a deep run on a quiet machine (FAULT_EVENTS=20000 FAULT_RECEIVER_DOWN_S=60 …).

export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** How many events a fault run delivers. */
export const FAULT_EVENTS = envNumber("FAULT_EVENTS", 1000);

/**
 * Settings of every process in the suite. The lease is longer than any wait in the suite: a
 * claim that went out again only when its lease ran out fails the test.
 */
export const FAULT_SETTINGS = {
  HERALD_LEASE_MS: "120000",
  HERALD_POLL_INTERVAL_MS: "100",
  HERALD_FAILURE_THRESHOLD: "0",
  HERALD_LOG_LEVEL: "warn",
};

/** How long the suite waits for every event to arrive: well under the lease. */
export const DELIVERED_WITHIN_MS = 60_000;

/** `count` auto_ban events (the website-defender fixture) with ids `<prefix>-<n>`. */
export function faultEvents(prefix: string, count: number) {
  const fixture = rawFixture("website-defender-auto-ban");
  return Array.from({ length: count }, (_, n) => ({ ...fixture, id: `${prefix}-${n}` }));
}

export const idsOf = (events: { id: string }[]) => events.map((event) => event.id);

/** Posts `events` in batches, each to the next process in turn (as a load balancer would). */
export async function postRoundRobin(processes: HeraldProcess[], events: unknown[], batch = 250) {
  for (let from = 0, turn = 0; from < events.length; from += batch, turn += 1) {
    const target = processes[turn % processes.length] as HeraldProcess;
    const { status, body } = await target.api("POST", "/api/v1/events", events.slice(from, from + batch));
    expect(status, JSON.stringify(body)).toBe(202);
  }
}

/** Creates a json webhook to `url` and answers its id. */
export async function subscribe(herald: HeraldProcess, fields: Record<string, unknown>): Promise<string> {
  const { status, body } = await herald.api("POST", "/api/v1/webhooks", { name: "fault", ...fields });
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id;
}

export interface HandedBack {
  deliveryId: string;
  error: string;
  /** When it was handed back (ms since the epoch). */
  at: number;
}

/** A store for Herald processes: a fresh PostgreSQL database, or a PGlite data directory. */
export interface ProcessStore {
  kind: StoreKind;
  /** HERALD_DATA_DIR or DATABASE_URL. */
  env: Record<string, string>;
  /**
   * The attempt-history rows that say a claim was handed back unanswered, with their delivery.
   * An embedded store can only be read once its process has ended.
   */
  handedBack(): Promise<HandedBack[]>;
  remove(): Promise<void>;
}

export async function createProcessStore(kind: StoreKind): Promise<ProcessStore> {
  const database = await createTestDatabase(kind);
  const dataDir = kind === "pglite" ? mkdtempSync(join(tmpdir(), "herald-fault-")) : undefined;
  const env: Record<string, string> = database.databaseUrl
    ? { DATABASE_URL: database.databaseUrl }
    : { HERALD_DATA_DIR: dataDir as string };
  return {
    kind,
    env,
    async handedBack() {
      const store = openStore({ databaseUrl: database.databaseUrl, dataDir: dataDir ?? "", poolSize: 1 });
      try {
        const rows = await queryRows<{ deliveryId: string; error: string; at: string | Date }>(
          store.db,
          sql`select delivery_id as "deliveryId", error, created_at as at from delivery_attempts
              where error like 'handed back unanswered%' order by created_at`,
        );
        return rows.map((row) => ({ ...row, at: new Date(row.at).getTime() }));
      } finally {
        await store.close();
      }
    },
    async remove() {
      await database.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Where processes that need no second process run: PostgreSQL when there is one (it starts in seconds). */
export const quickStore = (): StoreKind => (process.env.TEST_DATABASE_URL ? "postgres" : "pglite");

/** Waits until `herald` has no delivery left pending or retrying (claimed ones count as pending). */
export async function waitUntilSettled(herald: HeraldProcess, timeoutMs = DELIVERED_WITHIN_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await herald.api("GET", "/api/v1/deliveries?status=pending,retrying&limit=1");
    if (body?.data?.length === 0) return;
    if (Date.now() > deadline) throw new Error(`deliveries still queued after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls `condition` every 50 ms until it holds; fails after `timeoutMs` saying what it waited for. */
export async function until(what: string, condition: () => boolean, timeoutMs = DELIVERED_WITHIN_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What a fault test starts: its Herald processes, its receiver, and its store (or database server). */
export interface Started {
  heralds: HeraldProcess[];
  receiver?: EventReceiver;
  store?: { remove(): Promise<void> };
}

/**
 * Stops after each test what `started` answers (the processes killed, the receiver closed, the
 * store removed), and prints the file's figures once it is done. Call it at a fault test file's top.
 */
export function stopAfterEachTest(started: () => Started): void {
  afterEach(async () => {
    const { heralds, receiver, store } = started();
    await Promise.all(heralds.map((herald) => herald.kill()));
    await receiver?.stopListening();
    await store?.remove();
  });
  afterAll(printFigures);
}
