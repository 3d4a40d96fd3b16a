import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { createPagerDutyStandIn } from "../support/pagerduty";
import { type Receiver, startReceiver } from "../support/receiver";
import { subscribe } from "../support/subscriptions";

const SAVED_TEMPLATE = `{"saved": {{json title}} }`;
const ROUTING_KEY = "Rk0123456789abcdefABCDEF76543210";

describe("POST /webhooks/{id}/test with an unsaved template and options", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let pagerDuty: Receiver;
  let webhookId: string;

  const test = (body: unknown, key?: string, id = webhookId) =>
    gateway.api("POST", `/api/v1/webhooks/${id}/test`, body, key);

  beforeAll(async () => {
    [gateway, receiver, pagerDuty] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(),
      startReceiver(createPagerDutyStandIn().answer),
    ]);
    webhookId = (await subscribe(gateway, { url: receiver.url, format: "json", template: SAVED_TEMPLATE }))
      .id;
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([receiver?.close(), pagerDuty?.close()]);
  });

  it("sends the test rendered with the template given, records it as a test, and leaves the saved one as it was", async () => {
    const { status, body } = await test({
      event_type: "auto_ban",
      title: "Typed in the workbench",
      template: `{"unsaved": {{json title}}, "type": {{json type}} }`,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "delivered", success: true, status_code: 200 });
    const [received] = await receiver.waitFor(1);
    expect(JSON.parse(received?.body ?? "")).toEqual({ unsaved: "Typed in the workbench", type: "auto_ban" });
    const delivery = await gateway.api("GET", `/api/v1/deliveries/${body.delivery_id}`);
    expect(delivery.body).toMatchObject({ is_test: true, status: "delivered" });
    expect(delivery.body.attempts[0].request.body).toBe(received?.body);
    expect((await gateway.api("GET", `/api/v1/webhooks/${webhookId}`)).body.template).toBe(SAVED_TEMPLATE);
  });

  it("sends with the saved template when none is given", async () => {
    expect((await test({ title: "Saved one" })).status).toBe(200);
    const received = await receiver.waitFor(2);
    expect(JSON.parse(received[1]?.body ?? "")).toEqual({ saved: "Saved one" });
  });

  it("refuses a template that would not save with a 422 naming template, its line and column, and sends nothing", async () => {
    const before = receiver.requests.length;
    const { status, body } = await test({ template: '{\n  "t": {{json title}}}' });
    expect(status).toBe(422);
    expect(body.issues).toEqual([expect.objectContaining({ path: "template", line: 2, column: 20 })]);
    const tooLong = await test({ template: "x".repeat(256 * 1024 + 1) });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.issues).toEqual([expect.objectContaining({ path: "template" })]);
    expect(receiver.requests.length).toBe(before);
  });

  it("uses the options given, keeping a saved secret option that they leave out", async () => {
    const { id } = await subscribe(gateway, {
      url: `${pagerDuty.origin}/v2/enqueue`,
      format: "pagerduty",
      options: { routing_key: ROUTING_KEY, client: "Saved client" },
    });
    const { status, body } = await test({ options: { client: "Unsaved client" } }, undefined, id);
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: true, status_code: 202 });
    const [received] = await pagerDuty.waitFor(1);
    expect(JSON.parse(received?.body ?? "")).toMatchObject({
      routing_key: ROUTING_KEY,
      client: "Unsaved client",
    });
    const refused = await test({ options: { client: "" } }, undefined, id);
    expect(refused.status).toBe(422);
    expect(refused.body.issues).toEqual([expect.objectContaining({ path: "options.client" })]);
  });

  it("is refused to a viewer", async () => {
    const viewer = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "v" })).body.key;
    const before = receiver.requests.length;
    expect((await test({ template: '{"x": 1}' }, viewer)).status).toBe(403);
    expect(receiver.requests.length).toBe(before);
  });
});
