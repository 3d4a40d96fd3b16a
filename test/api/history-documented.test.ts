import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawFixture } from "../support/fixtures";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";

// The answers of whoami, the history lists, an event, the bulk retry and the statistics, each
// checked against the schema the OpenAPI document gives for it.

describe("the history routes answer as the OpenAPI document says", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let doc: any;

  beforeAll(async () => {
    [gateway, receiver] = await Promise.all([startTestGateway("pglite"), startReceiver()]);
    doc = await (await fetch(`${gateway.url}/api/v1/openapi.json`)).json();
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  /** Calls `path` (the document's, `{id}` filled in) and checks the answer against its documented schema. */
  async function expectDocumented(method: string, path: string, query = "", id = "") {
    const answer = await gateway.api(method, `${path.replace("{id}", encodeURIComponent(id))}${query}`);
    let documented = doc.paths[path]?.[method.toLowerCase()]?.responses?.[answer.status];
    if (documented?.$ref) documented = doc.components.responses[documented.$ref.split("/").pop()];
    expect(documented, `${method} ${path} documents no ${answer.status} answer`).toBeDefined();
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    const check = ajv.compile({
      ...documented.content["application/json"].schema,
      components: doc.components,
    });
    expect(
      check(answer.body),
      `${method} ${path}${query} ${answer.status}: ${JSON.stringify(check.errors)}`,
    ).toBe(true);
    return answer;
  }

  it("documents every answer, successes and errors alike", async () => {
    const webhook = await gateway.api("POST", "/api/v1/webhooks", { name: "documented", url: receiver.url });
    const posted = await gateway.api("POST", "/api/v1/events", rawFixture("wallarm-vulnerability"));
    const eventId = posted.body.data[0].id;
    await eventually(async () => {
      const { body } = await gateway.api("GET", "/api/v1/deliveries?status=delivered");
      return body.data.length > 0 ? true : undefined;
    });

    await expectDocumented("GET", "/api/v1/whoami");
    await expectDocumented("GET", "/api/v1/deliveries", "?limit=1");
    await expectDocumented("GET", "/api/v1/deliveries", "?status=delivered,dead&type=vulnerability");
    await expectDocumented("POST", "/api/v1/deliveries/retry", `?webhook=${webhook.body.id}`);
    await expectDocumented("GET", "/api/v1/events", "?limit=1");
    await expectDocumented("GET", "/api/v1/events/{id}", "", eventId);
    await expectDocumented("GET", "/api/v1/webhooks/{id}/stats", "?window=2h", webhook.body.id);
    await expectDocumented("GET", "/api/v1/webhooks/events/types", "?limit=2");

    expect((await expectDocumented("GET", "/api/v1/deliveries", "?cursor=x")).status).toBe(422);
    expect((await expectDocumented("POST", "/api/v1/deliveries/retry", "?status=pending")).status).toBe(422);
    expect((await expectDocumented("GET", "/api/v1/events/{id}", "", "no-such-event")).status).toBe(404);
    expect(
      (await expectDocumented("GET", "/api/v1/webhooks/{id}/stats", "?window=9d", webhook.body.id)).status,
    ).toBe(422);
  });
});
