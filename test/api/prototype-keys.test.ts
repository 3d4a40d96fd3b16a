import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway";

// JSON may hold a "__proto__" key; a webhook setting under one would be lost on the way to the
// store (zod records copy key by key, and the copy's "__proto__" sets a prototype). Refused.
describe("a __proto__ key in a webhook's settings", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
  });
  afterAll(() => gateway.close());

  const webhook = (extra: string) =>
    `{"name": "hook", "url": "https://siem.example/hook", "is_active": false, ${extra}}`;

  it.each([
    ['"headers": {"__proto__": "x", "X-Team": "soc"}', "headers.__proto__"],
    ['"options": {"__proto__": {"pretty": true}}', "options.__proto__"],
    ['"destination": {"kind": "http", "__proto__": {"insecure": true}}', "destination.__proto__"],
    ['"group": {"by": ["type"], "__proto__": {}}', "group.__proto__"],
  ])("is refused on create with a 422 naming where it is: %s", async (fields, path) => {
    const { status, body } = await gateway.api("POST", "/api/v1/webhooks", webhook(fields));
    expect(status).toBe(422);
    expect(body.issues).toEqual([{ path, message: "__proto__ may not be a key here: it would be lost" }]);
  });

  it("is refused on change, and the webhook stays as it was", async () => {
    const created = await gateway.api("POST", "/api/v1/webhooks", webhook('"headers": {"X-Team": "soc"}'));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const changed = await gateway.api("PUT", `/api/v1/webhooks/${id}`, '{"headers": {"__proto__": "x"}}');
    expect(changed.status).toBe(422);
    expect(changed.body.issues[0].path).toBe("headers.__proto__");
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${id}`);
    expect(body.headers).toEqual({ "X-Team": "soc" });
  });
});
