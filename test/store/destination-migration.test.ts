import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsPerRequest, renderForWebhook } from "../../src/delivery/render";
import { type Db, MIGRATIONS_DIR } from "../../src/store/db";
import * as schema from "../../src/store/schema";
import type { WebhookRow } from "../../src/store/webhooks";
import { rowToInput, webhookInputSchema } from "../../src/webhooks/schema";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { fixtureEvent } from "../support/fixtures";
import { type MigratingDb, migrationsUpTo, openMigratingDb } from "../support/migrations";
import { engine, NOW } from "../support/render";

// Webhooks of every kind as the store held them before destinations owned their settings (the
// auth, tls, splunk_hec and syslog columns). A migrated webhook must send exactly what the same
// webhook sends when it is created today through the API with the request of that time. (When
// the migration was written, its payloads were also checked against the output of the code
// before it, commit 8fc16f0; formats have changed on purpose since.)
interface OldWebhook {
  name: string;
  url: string;
  format: string;
  options: Record<string, unknown>;
  template?: string;
  auth: object | null;
  tls: object | null;
  splunk_hec: object | null;
  syslog: object | null;
  expected_kind: string;
}
const here = import.meta.dirname;
const oldWebhooks: OldWebhook[] = JSON.parse(
  readFileSync(join(here, "pre-destination-webhooks.json"), "utf8"),
);
const events = ["wallarm-hit-sqli", "website-defender-auto-ban"].map((name) => fixtureEvent(name));

function insertOld(db: Db, webhook: OldWebhook) {
  const json = (value: unknown) => (value === null ? sql`null` : sql`${JSON.stringify(value)}::jsonb`);
  return db.execute(sql`
    insert into webhooks (name, url, secret, event_types, events_policy, min_severity, format, options,
      template, method, headers, auth, tls, splunk_hec, syslog, timeout_ms, connect_timeout_ms,
      retry_count, is_active)
    values (${webhook.name}, ${webhook.url}, null, '["*"]'::jsonb, 'include', 'info', ${webhook.format},
      ${json(webhook.options)}, ${webhook.template ?? null}, 'POST', '{}'::jsonb, ${json(webhook.auth)},
      ${json(webhook.tls)}, ${json(webhook.splunk_hec)}, ${json(webhook.syslog)}, 5000, 3000, 3, true)`);
}

describe.each(storeKinds())("the destination migration (%s)", (kind) => {
  let database: TestDatabase;
  let store: MigratingDb;
  let migrated: WebhookRow[];
  let folder: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind, { empty: true });
    store = await openMigratingDb(kind, database);
    folder = migrationsUpTo("0001_transport_settings");
    await store.migrate(folder);
    for (const webhook of oldWebhooks) await insertOld(store.db, webhook);
    await store.migrate(MIGRATIONS_DIR);
    migrated = await store.db.select().from(schema.webhooks);
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const migratedRow = (name: string) => {
    const row = migrated.find((each) => each.name === name);
    if (!row) throw new Error(`webhook ${name} was not carried over`);
    return row;
  };

  it("carries every webhook over", () => {
    expect(migrated.map((row) => row.name).sort()).toEqual(oldWebhooks.map((webhook) => webhook.name).sort());
  });

  it.each(oldWebhooks.map((webhook) => [webhook.name, webhook] as const))(
    "%s: the destination it was sent as, with its settings",
    (name, webhook) => {
      const { destination } = migratedRow(name);
      expect(destination.kind).toBe(webhook.expected_kind);
      const settingsOfKind: Record<string, string[]> = {
        http: ["auth", "tls"],
        splunk_hec: ["auth", "tls", "splunk_hec"],
        syslog: ["tls", "syslog"],
      };
      const expected = Object.fromEntries(
        (settingsOfKind[webhook.expected_kind] ?? []).map((setting) => [
          setting,
          webhook[setting as keyof OldWebhook],
        ]),
      );
      expect(destination).toEqual({ kind: webhook.expected_kind, ...expected });
    },
  );

  it.each(oldWebhooks.map((webhook) => [webhook.name, webhook] as const))(
    "%s: sends byte for byte what the same webhook created through the API today sends",
    (name, webhook) => {
      const { expected_kind: _, ...request } = webhook;
      const created = webhookInputSchema.parse(request);
      const row = migratedRow(name);
      const render = (settings: typeof row | typeof created, batch: typeof events) =>
        renderForWebhook(settings, batch, engine, NOW, 1 << 20).body;
      for (const event of events) expect(render(row, [event])).toBe(render(created, [event]));
      if (eventsPerRequest(row) > 1) expect(render(row, events)).toBe(render(created, events));
    },
  );

  it("leaves every webhook valid for the API, unchanged by a read and a save", () => {
    for (const row of migrated) {
      const input = webhookInputSchema.parse(rowToInput(row));
      expect(input.destination).toEqual(row.destination);
    }
  });

  it("drops the old columns", async () => {
    const columns = await store.db.execute(
      sql`select column_name from information_schema.columns where table_name = 'webhooks'`,
    );
    const names = (Array.isArray(columns) ? columns : (columns as { rows: unknown[] }).rows).map(
      (column) => (column as { column_name: string }).column_name,
    );
    expect(names).toContain("destination");
    for (const old of ["auth", "tls", "splunk_hec", "syslog"]) expect(names).not.toContain(old);
  });
});
