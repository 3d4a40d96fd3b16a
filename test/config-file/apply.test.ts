import { writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyConfig, planConfig } from "../../src/config-file/apply";
import { ConfigFileError } from "../../src/config-file/errors";
import { planText } from "../../src/config-file/plan-text";
import type { Store } from "../../src/store/db";
import { createApiKey, findApiKey, listApiKeys } from "../../src/store/keys";
import { insertWebhook, listAllWebhooks, updateWebhook } from "../../src/store/webhooks";
import { inputToRow, webhookInputSchema } from "../../src/webhooks/schema";
import { storeKinds } from "../support/databases";
import { loadConfigFile, openTestStore, testKey, writeConfig } from "./helpers";

const SIEM = `  - name: siem-qradar
    url: udp://qradar.internal:514
    format: cef
    event_types: ["auth.*", brute_force]
    min_severity: medium
`;
const SLACK = `  - name: slack-soc
    url: \${SLACK_URL}
    format: slack
    secret: \${SLACK_SECRET}
    min_severity: high
`;
const ENV = {
  SLACK_URL: "https://hooks.slack.com/services/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",
  SLACK_SECRET: "slack-signing-secret-1",
};

describe.each(storeKinds())("config apply on %s", (kind) => {
  let store: Store & { drop(): Promise<void> };
  /** One file per test, rewritten by each step: what manages a webhook is the file's path. */
  let file: string;
  beforeEach(async () => {
    store = await openTestStore(kind);
    file = writeConfig("");
  });
  afterEach(() => store.drop());

  const desiredOf = (text: string, env: Record<string, string> = ENV) => {
    writeFileSync(file, text);
    return loadConfigFile(file, env);
  };
  /** The stored webhooks by name (one transaction's rows share a creation time). */
  const storedWebhooks = async () =>
    (await listAllWebhooks(store.db)).sort((a, b) => a.name.localeCompare(b.name));
  const apply = async (text: string, env: Record<string, string> = ENV) =>
    applyConfig(store.db, await desiredOf(text, env), { allowNoAdmin: false });
  const plan = async (text: string, env: Record<string, string> = ENV) =>
    planText(await planConfig(store.db, await desiredOf(text, env))).replace(
      /\/tmp\/\S+\/herald\.yaml/g,
      "herald.yaml",
    );

  /** A webhook made through the API, as the API stores it. */
  const handMade = (name: string) =>
    insertWebhook(
      store.db,
      inputToRow(webhookInputSchema.parse({ name, url: "https://ops.example.com/hook" })),
    );

  it("plans the creates for an empty store, applies them, and then has nothing to change", async () => {
    const file = `webhooks:\n${SIEM}${SLACK}`;
    expect(await plan(file)).toBe(
      [
        "Plan for herald.yaml:",
        "",
        "webhooks",
        "  + siem-qradar: create (cef to qradar.internal:514)",
        "  + slack-soc: create (slack to hooks.slack.com)",
        "",
        "api keys",
        "  (none)",
        "",
        "2 to create, 0 to update, 0 to delete.",
      ].join("\n"),
    );
    await apply(file);
    const stored = await storedWebhooks();
    expect(
      stored.map((row) => [row.name, row.url, row.secret, row.managedBy?.endsWith("herald.yaml")]),
    ).toEqual([
      ["siem-qradar", "udp://qradar.internal:514", null, true],
      ["slack-soc", ENV.SLACK_URL, ENV.SLACK_SECRET, true],
    ]);
    expect(await plan(file)).toContain("  = siem-qradar: unchanged\n  = slack-soc: unchanged");
    expect(await plan(file)).toMatch(/No changes: the store matches herald\.yaml\.$/);
    const again = await apply(file);
    expect(again.webhooks.map((step) => step.action)).toEqual(["unchanged", "unchanged"]);
    expect((await storedWebhooks()).map((row) => row.updatedAt)).toEqual(stored.map((row) => row.updatedAt));
  });

  it("plans an update field by field, a secret as changed and never its value", async () => {
    await apply(`webhooks:\n${SIEM}${SLACK}`);
    const changed = `webhooks:\n${SIEM.replace("medium", "high")}${SLACK}    headers:\n      X-Api-Key: k-123\n`;
    const text = await plan(changed, {
      SLACK_URL: "https://hooks.slack.com/services/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",
      SLACK_SECRET: "slack-signing-secret-2",
    });
    expect(text).toContain(
      [
        "  ~ siem-qradar: update",
        "      min_severity: medium → high",
        "  ~ slack-soc: update",
        "      url: https://hooks.slack.com/******** (path or query changed)",
        "      secret: (secret changed)",
        "      headers.X-Api-Key: (secret set)",
      ].join("\n"),
    );
    expect(text).not.toMatch(/slack-signing-secret|k-123|other9Xk2/);
    expect(text).toMatch(/0 to create, 2 to update, 0 to delete\.$/);
  });

  it("leaves webhooks the file does not list alone, and deletes them with prune: true", async () => {
    await handMade("ops-pager");
    await apply(`webhooks:\n${SIEM}${SLACK}`);
    const withoutSlack = `webhooks:\n${SIEM}`;
    expect(await plan(withoutSlack)).toContain(
      "  ! ops-pager: left alone (made through the API, not in the file; prune: true would delete it)\n" +
        "  ! slack-soc: left alone (managed by herald.yaml, not in the file; prune: true would delete it)",
    );
    await apply(withoutSlack);
    expect((await storedWebhooks()).map((row) => row.name)).toEqual([
      "ops-pager",
      "siem-qradar",
      "slack-soc",
    ]);

    const pruned = `prune: true\nwebhooks:\n${SIEM}`;
    expect(await plan(pruned)).toContain(
      "  = siem-qradar: unchanged\n  - ops-pager: delete (not in the file, and prune is on)\n  - slack-soc: delete",
    );
    await apply(pruned);
    expect((await storedWebhooks()).map((row) => row.name)).toEqual(["siem-qradar"]);
  });

  it("takes over a webhook made through the API that has the file's name", async () => {
    const made = await handMade("siem-qradar");
    const text = await plan(`webhooks:\n${SIEM}`);
    expect(text).toContain(
      "  ~ siem-qradar: update\n      url: https://ops.example.com/******** → udp://qradar.internal:514/********",
    );
    expect(text).toContain("      format: json → cef");
    expect(text).toContain("      destination.kind: http → syslog");
    expect(text).toContain("      managed_by: (made by hand) → herald.yaml");
    await apply(`webhooks:\n${SIEM}`);
    const [row] = await storedWebhooks();
    expect(row).toMatchObject({ id: made.id, format: "cef", minSeverity: "medium" });
    expect(row?.managedBy).toMatch(/herald\.yaml$/);
  });

  it("keeps the failure threshold's state unless the file sets it", async () => {
    await apply(`webhooks:\n${SIEM}`);
    const [row] = await storedWebhooks();
    await updateWebhook(store.db, row?.id as string, {
      isActive: false,
      disabledReason: "50 failures",
      failureCount: 50,
    });
    expect(await plan(`webhooks:\n${SIEM}`)).toContain("No changes");
    expect(await plan(`webhooks:\n${SIEM}    is_active: true\n`)).toContain("      state: disabled → active");
    await apply(`webhooks:\n${SIEM}    is_active: true\n`);
    const [reactivated] = await storedWebhooks();
    expect(reactivated).toMatchObject({ isActive: true, failureCount: 0, disabledReason: null });
  });

  it("stores a key from the environment hashed, rotates it with the variable, and prunes only keys it created", async () => {
    const handKey = await createApiKey(store.db, "admin", "first admin key");
    const keys = `api_keys:\n  - name: ci\n    role: ingest\n    key: \${HERALD_KEY_CI}\n`;
    const first = testKey("first-ci-key");
    await apply(keys, { HERALD_KEY_CI: first });
    const found = await findApiKey(store.db, first);
    expect(found).toMatchObject({ name: "ci", role: "ingest", prefix: first.slice(0, 10) });
    expect(JSON.stringify(await listApiKeys(store.db))).not.toContain(first);

    const second = testKey("second-ci-key");
    expect(await plan(keys, { HERALD_KEY_CI: second })).toContain(
      `  ~ ci: update\n      key: rotated (the value of \${HERALD_KEY_CI} is new)\n` +
        "  1 made through the API or CLI: left alone (a config file never changes or deletes them)",
    );
    await apply(keys, { HERALD_KEY_CI: second });
    expect(await findApiKey(store.db, first)).toBeUndefined();
    expect((await findApiKey(store.db, second))?.id).toBe(found?.id);

    await apply("prune: true\n");
    expect((await listApiKeys(store.db)).map((row) => row.id)).toEqual([handKey.row.id]);
  });

  it("takes over a key made by hand when the file holds its value", async () => {
    const { key, row } = await createApiKey(store.db, "viewer", "grafana");
    await apply(`api_keys:\n  - name: grafana-ro\n    role: viewer\n    key: \${GRAFANA_KEY}\n`, {
      GRAFANA_KEY: key,
    });
    const [adopted] = await listApiKeys(store.db);
    expect(adopted).toMatchObject({ id: row.id, name: "grafana-ro", role: "viewer" });
    expect(adopted?.managedBy).toMatch(/herald\.yaml$/);
  });

  it("refuses a file that would leave no admin key, and changes nothing", async () => {
    const admin = testKey("admin-key");
    await apply(`api_keys:\n  - name: ops\n    role: admin\n    key: \${ADMIN}\n`, { ADMIN: admin });
    const refused = apply(`prune: true\nwebhooks:\n${SIEM}`);
    await expect(refused).rejects.toThrow(ConfigFileError);
    await expect(refused).rejects.toThrow("would leave no admin API key");
    expect(await storedWebhooks()).toEqual([]);
    expect(await findApiKey(store.db, admin)).toBeDefined();
  });

  it("refuses a file the store cannot match, and changes nothing", async () => {
    await handMade("siem-qradar");
    await handMade("siem-qradar");
    const refused = apply(`webhooks:\n${SLACK}${SIEM}`);
    await expect(refused).rejects.toThrow(/webhooks\[1\]\.name: 2 stored webhooks are named "siem-qradar"/);
    expect((await storedWebhooks()).map((row) => row.name)).toEqual(["siem-qradar", "siem-qradar"]);
  });
});
