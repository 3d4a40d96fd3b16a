import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { ConfigFileError } from "../../src/config-file/errors";
import { startGateway } from "../../src/gateway";
import { silentLogger } from "../../src/logger";
import { apiKeys } from "../../src/store/schema";
import { storeKinds } from "../support/databases";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { testKey, writeConfig } from "./helpers";

// The server reads ${…} references from its own environment, as `herald serve` does.
const VIEWER_KEY = testKey("serve-test-viewer");
process.env.HERALD_TEST_VIEWER_KEY = VIEWER_KEY;
process.env.HERALD_TEST_SIEM_SECRET = "siem-signing-secret-1";

describe.each(storeKinds())("a server started with HERALD_CONFIG on %s", (kind) => {
  let receiver: Receiver;
  let gateway: TestGateway;
  let file: string;
  beforeAll(async () => {
    receiver = await startReceiver();
    file = writeConfig(`webhooks:
  - name: siem
    url: ${receiver.url}
    secret: \${HERALD_TEST_SIEM_SECRET}
    event_types: [auth.failed]
api_keys:
  - name: grafana
    role: viewer
    key: \${HERALD_TEST_VIEWER_KEY}
`);
    gateway = await startTestGateway(kind, { HERALD_CONFIG: file });
  });
  afterAll(async () => {
    await gateway.close();
    await receiver.close();
  });

  const managedHook = async () => {
    const { body } = await gateway.api("GET", "/api/v1/webhooks");
    return body.data.find((hook: { name: string }) => hook.name === "siem");
  };

  it("applies the file at start, and the API says the webhook is managed by it", async () => {
    expect(await managedHook()).toMatchObject({
      name: "siem",
      url: receiver.url,
      has_secret: true,
      event_types: ["auth.failed"],
      managed_by: "config",
      managed_file: file,
    });
  });

  it("stores the file's key hashed, and the key works", async () => {
    const rows = await gateway.store.db.select().from(apiKeys);
    expect(rows.map((row) => row.name)).toContain("grafana");
    expect(JSON.stringify(rows)).not.toContain(VIEWER_KEY);
    const { status } = await gateway.api("GET", "/api/v1/webhooks", undefined, VIEWER_KEY);
    expect(status).toBe(200);
  });

  it("refuses to change or delete a managed webhook (409 naming the file)", async () => {
    const hook = await managedHook();
    const message = `webhook siem is managed by ${file}; change it there and run herald config apply`;
    const put = await gateway.api("PUT", `/api/v1/webhooks/${hook.id}`, { min_severity: "high" });
    expect(put.status).toBe(409);
    expect(put.body).toMatchObject({ error: "conflict", message: expect.stringContaining(message) });
    const deleted = await gateway.api("DELETE", `/api/v1/webhooks/${hook.id}`);
    expect(deleted.status).toBe(409);
    expect(deleted.body.message).toContain(message);
    expect(await managedHook()).toMatchObject({ id: hook.id, min_severity: "info" });
  });

  it("still sends tests and previews of a managed webhook, and lets its state alone be switched", async () => {
    const hook = await managedHook();
    const test = await gateway.api("POST", `/api/v1/webhooks/${hook.id}/test`, { event_type: "auth.failed" });
    expect(test.body).toMatchObject({ status: "delivered", success: true });
    const preview = await gateway.api("POST", `/api/v1/webhooks/${hook.id}/preview`, undefined, VIEWER_KEY);
    expect(preview.status).toBe(200);
    const off = await gateway.api("PUT", `/api/v1/webhooks/${hook.id}`, { is_active: false });
    expect(off.status).toBe(200);
    expect(off.body.is_active).toBe(false);
    const paused = await gateway.api("PUT", `/api/v1/webhooks/${hook.id}`, { state: "paused" });
    expect(paused.body).toMatchObject({ state: "paused", managed_by: "config" });
  });

  it("lets a webhook made through the API be changed and deleted as before", async () => {
    const { body: made } = await gateway.api("POST", "/api/v1/webhooks", { name: "ops", url: receiver.url });
    expect(made).toMatchObject({ managed_by: null, managed_file: null });
    const put = await gateway.api("PUT", `/api/v1/webhooks/${made.id}`, { ...made, min_severity: "high" });
    expect(put.status).toBe(200);
    expect((await gateway.api("DELETE", `/api/v1/webhooks/${made.id}`)).status).toBe(204);
  });
});

describe("a server started with a broken HERALD_CONFIG", () => {
  it("does not start, and says where the file is wrong", async () => {
    const file = writeConfig(`webhooks:
  - name: ops
    url: https://ops.example.com/hook
    template: |
      {"title": {{json title}}, "data": {{#each data}}{{this}}}
`);
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      HERALD_DATA_DIR: "memory://",
      HERALD_CONFIG: file,
    });
    const start = startGateway(config, silentLogger);
    await expect(start).rejects.toThrow(ConfigFileError);
    await expect(start).rejects.toThrow(
      new RegExp(`^${file}:4: webhooks\\[0\\]\\.template: template line 1, column \\d+: Parse error`),
    );
  });
});
