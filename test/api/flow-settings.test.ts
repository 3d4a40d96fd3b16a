import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { startTestGateway, type TestGateway } from "../support/gateway";

const FLOW_FIELDS = [
  "max_in_flight",
  "rate_limit",
  "ordering",
  "discard_after_s",
  "lossy",
  "max_queue",
  "dedup",
  "group",
];

describe.each(storeKinds())("GET /flow, the flow-control settings' JSON Schema, on %s", (kind) => {
  let gateway: TestGateway;
  let viewerKey: string;
  let ingestKey: string;
  let schema: any;

  beforeAll(async () => {
    gateway = await startTestGateway(kind);
    const key = async (role: string) =>
      (await gateway.api("POST", "/api/v1/keys", { role, name: role })).body.key as string;
    [viewerKey, ingestKey] = [await key("viewer"), await key("ingest")];
    schema = (await gateway.api("GET", "/api/v1/flow", undefined, viewerKey)).body.settings_schema;
  });
  afterAll(() => gateway.close());

  const validator = () => new Ajv2020({ strict: false, validateFormats: false }).compile(schema);

  it("describes every flow-control field a webhook has at its top level, with a title and its default", () => {
    expect(schema.type).toBe("object");
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(FLOW_FIELDS);
    for (const name of FLOW_FIELDS) expect(schema.properties[name].title, name).toEqual(expect.any(String));
    expect(schema.properties.max_in_flight).toMatchObject({ type: "integer", default: 16, minimum: 1 });
    expect(schema.properties.ordering).toMatchObject({ enum: ["unordered", "fifo"], default: "unordered" });
  });

  it("gives the optional settings as an object or null, null by default, their fields titled", () => {
    for (const name of ["rate_limit", "dedup", "group"]) {
      const { anyOf, default: fallback } = schema.properties[name];
      expect(fallback, name).toBeNull();
      expect(anyOf.map((branch: any) => branch.type)).toEqual(["object", "null"]);
    }
    const [rate] = schema.properties.rate_limit.anyOf;
    expect(rate.required).toEqual(["per_second"]);
    expect(rate.properties.per_second.title).toBe("Per second");
    const [group] = schema.properties.group.anyOf;
    expect(group.properties.by).toMatchObject({ type: "array", items: { type: "string" }, default: [] });
    expect(group.properties.by.title).toBe("Group by");
    expect(schema.properties.discard_after_s.anyOf.map((branch: any) => branch.type)).toEqual([
      "integer",
      "null",
    ]);
  });

  it("matches the flow settings a webhook is answered with, and not values the API refuses", async () => {
    const created = await gateway.api("POST", "/api/v1/webhooks", {
      name: "flow",
      url: "https://siem.example/hook",
      rate_limit: { per_second: 5, burst: 10 },
      group: { by: ["data.client_ip"] },
      dedup: { key: "{{type}}:{{data.client_ip}}", window_s: 60 },
    });
    expect(created.status).toBe(201);
    const answered = Object.fromEntries(FLOW_FIELDS.map((name) => [name, created.body[name]]));
    expect(answered.group).toMatchObject({ by: ["data.client_ip"], wait_s: 30 });
    const check = validator();
    expect(check(answered), JSON.stringify(check.errors)).toBe(true);

    const refused = { max_in_flight: 0, rate_limit: { per_second: 5, bursts: 10 } };
    expect(check(refused)).toBe(false);
    const answer = await gateway.api("POST", "/api/v1/webhooks", {
      name: "refused",
      url: "https://siem.example/hook",
      ...refused,
    });
    expect(answer.status).toBe(422);
  });

  it("answers as the OpenAPI document describes it, under Webhooks", async () => {
    const doc: any = await (await fetch(`${gateway.url}/api/v1/openapi.json`)).json();
    const operation = doc.paths["/api/v1/flow"].get;
    expect(operation.tags).toEqual(["Webhooks"]);
    expect(operation["x-herald-roles"]).toEqual(["admin", "viewer"]);
    const documented = operation.responses[200].content["application/json"].schema;
    const check = new Ajv2020({ strict: false }).compile({ ...documented, components: doc.components });
    const { body } = await gateway.api("GET", "/api/v1/flow", undefined, viewerKey);
    expect(check(body), JSON.stringify(check.errors)).toBe(true);
    expect(check({ ...body, extra: 1 })).toBe(false);
  });

  it("is read by admin and viewer keys, as formats and destinations are, not by an ingest key", async () => {
    expect((await gateway.api("GET", "/api/v1/flow")).status).toBe(200);
    expect((await gateway.api("GET", "/api/v1/flow", undefined, ingestKey)).status).toBe(403);
    expect((await gateway.api("GET", "/api/v1/destinations", undefined, ingestKey)).status).toBe(403);
    expect((await gateway.api("GET", "/api/v1/flow", undefined, "not-a-key")).status).toBe(401);
  });
});
