import { writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyConfig } from "../../src/config-file/apply";
import { exportConfig } from "../../src/config-file/export";
import type { Store } from "../../src/store/db";
import { createApiKey, findApiKey, listApiKeys } from "../../src/store/keys";
import { insertWebhook, listAllWebhooks } from "../../src/store/webhooks";
import { inputToRow, rowToInput, webhookInputSchema } from "../../src/webhooks/schema";
import { storeKinds } from "../support/databases";
import { loadConfigFile, openTestStore, testKey, writeConfig } from "./helpers";

const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
const PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";

/** Webhooks of every kind, with every sort of secret, as an operator makes them through the API. */
const WEBHOOKS = [
  {
    name: "siem-qradar",
    url: "udp://qradar.internal:514",
    format: "cef",
    event_types: ["auth.*", "brute_force"],
    min_severity: "medium",
  },
  {
    name: "slack-soc",
    url: "https://hooks.slack.com/services/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",
    format: "slack",
    secret: "slack-signing-secret-1",
    options: { mention: "<!here>" },
    is_active: false,
  },
  {
    name: "splunk",
    url: "https://splunk.example.com:8088/services/collector/event",
    format: "splunk_hec",
    destination: {
      auth: { type: "splunk", token: "0f4a1e2b-hec-token" },
      splunk_hec: { ack: true },
      tls: { ca: PEM_CERT, cert: PEM_CERT, key: PEM_KEY },
    },
  },
  {
    name: "pagerduty-oncall",
    url: "https://events.pagerduty.com/v2/enqueue",
    format: "pagerduty",
    options: { routing_key: "R0ut1ngKeyR0ut1ngKeyR0ut1ngKey12" },
    min_severity: "critical",
  },
  {
    name: "ops",
    url: "https://ops.example.com/hooks/herald",
    headers: { "X-Api-Key": "ops-header-key", Accept: "application/json" },
    template: `{\n  "title": {{json title}},\n  "note": "cost \${price}"\n}\n`,
    retry_count: 5,
  },
];

/** What each exported placeholder stands for, by the name the export gives it. */
const SECRETS = {
  HERALD_WEBHOOK_SLACK_SOC_URL: WEBHOOKS[1]?.url as string,
  HERALD_WEBHOOK_SLACK_SOC_SECRET: "slack-signing-secret-1",
  HERALD_WEBHOOK_SPLUNK_AUTH_TOKEN: "0f4a1e2b-hec-token",
  HERALD_WEBHOOK_SPLUNK_TLS_KEY: PEM_KEY,
  HERALD_WEBHOOK_PAGERDUTY_ONCALL_ROUTING_KEY: "R0ut1ngKeyR0ut1ngKeyR0ut1ngKey12",
  HERALD_WEBHOOK_OPS_HEADERS_X_API_KEY: "ops-header-key",
};

describe.each(storeKinds())("config export on %s", (kind) => {
  /** A store with webhooks and keys made through the API, and an empty one to apply its export to. */
  let original: Store & { drop(): Promise<void> };
  let empty: Store & { drop(): Promise<void> };
  beforeEach(async () => {
    original = await openTestStore(kind);
    empty = await openTestStore(kind);
  });
  afterEach(() => Promise.all([original.drop(), empty.drop()]));

  const exported = async (store: Store) =>
    exportConfig(await listAllWebhooks(store.db), await listApiKeys(store.db), {
      "custom.alert": "An alert from our own tooling",
    });

  it("writes secrets as placeholders, and applied to an empty store gives back the same file", async () => {
    for (const webhook of WEBHOOKS) {
      await insertWebhook(original.db, inputToRow(webhookInputSchema.parse(webhook)));
    }
    await createApiKey(original.db, "admin", "ops");
    await createApiKey(original.db, "ingest", "waf");
    const text = await exported(original);

    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret.trim());
    for (const name of Object.keys(SECRETS)) expect(text).toContain(`\${${name}}`);
    expect(text).toContain("#   HERALD_KEY_OPS");
    expect(text).toContain("$${price}");
    expect(text).not.toMatch(/retry_count: 3|method: POST|events_policy/);
    expect(parse(text).webhooks.map((entry: { name: string }) => entry.name)).toEqual([
      "ops",
      "pagerduty-oncall",
      "siem-qradar",
      "slack-soc",
      "splunk",
    ]);

    const file = writeConfig("");
    writeFileSync(file, text);
    const keys = { HERALD_KEY_OPS: testKey("ops-admin"), HERALD_KEY_WAF: testKey("waf-ingest") };
    const desired = await loadConfigFile(file, { ...SECRETS, ...keys });
    await applyConfig(empty.db, desired, { allowNoAdmin: false });

    expect(await exported(empty)).toBe(text);
    const definitions = async (store: Store) =>
      (await listAllWebhooks(store.db)).map(rowToInput).sort((a, b) => a.name.localeCompare(b.name));
    expect(await definitions(empty)).toEqual(await definitions(original));
    expect(await findApiKey(empty.db, keys.HERALD_KEY_OPS)).toMatchObject({ name: "ops", role: "admin" });
  });

  it("refuses to export two webhooks of one name, since a file matches them by name", async () => {
    const hook = inputToRow(webhookInputSchema.parse({ name: "twin", url: "https://a.example.com/" }));
    await insertWebhook(original.db, hook);
    await insertWebhook(original.db, hook);
    await expect(exported(original)).rejects.toThrow(/two webhooks are named "twin"/);
  });
});
