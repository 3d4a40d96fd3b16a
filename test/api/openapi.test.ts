import { compileErrors, validate } from "@readme/openapi-parser";
import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiDeps } from "../../src/api/deps";
import { FIXTURE_EVENTS } from "../../src/api/openapi/examples";
import { createApp } from "../../src/app";
import { silentLogger } from "../../src/logger";
import { rawFixture } from "../support/fixtures";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";

const METHODS = ["get", "put", "post", "delete", "patch"];
const NO_SUCH_ID = "00000000-0000-4000-8000-000000000000";

describe("the OpenAPI document and /docs", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let doc: any;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
    receiver = await startReceiver();
    const response = await fetch(`${gateway.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    doc = await response.json();
    for (const role of ["viewer", "ingest"]) {
      keys[role] = (await gateway.api("POST", "/api/v1/keys", { role, name: role })).body.key;
    }
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  /** `schema` as an ajv validator, with the document's components beside it for its $refs. */
  function validatorFor(schema: object) {
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    return ajv.compile({ ...schema, components: doc.components });
  }

  const operation = (method: string, path: string) => doc.paths[path]?.[method.toLowerCase()];

  function answerSchema(method: string, path: string, status: number): object {
    let answer = operation(method, path)?.responses?.[status];
    if (answer?.$ref) answer = doc.components.responses[answer.$ref.split("/").pop()];
    expect(answer, `${method} ${path} documents no ${status} answer`).toBeDefined();
    return answer.content["application/json"].schema;
  }

  const requestSchema = (method: string, path: string) =>
    operation(method, path).requestBody.content["application/json"].schema;

  /** Calls `path` (the document's, `{id}` filled in) and checks the answer against its documented schema. */
  async function callDocumented(method: string, path: string, id = "", body?: unknown, key?: string) {
    const answer = await gateway.api(method, path.replace("{id}", id), body, key);
    const check = validatorFor(answerSchema(method, path, answer.status));
    expect(check(answer.body), `${method} ${path} ${answer.status}: ${JSON.stringify(check.errors)}`).toBe(
      true,
    );
    return answer;
  }

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const result = await validate(structuredClone(doc));
    expect(result.valid ? "" : compileErrors(result)).toBe("");
  });

  it("describes every route the app serves under /api/v1, and the health, readiness and metrics routes", () => {
    const app = createApp({ config: gateway.config } as ApiDeps, silentLogger);
    const served = app.routes
      .filter((route) => route.method !== "ALL" && route.path.startsWith("/api/v1/"))
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    const described = Object.entries<any>(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => METHODS.includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served).toContain("POST /api/v1/events");
    expect(served).toContain("DELETE /api/v1/webhooks/{id}");
    expect([...new Set(served)].filter((route) => !described.includes(route))).toEqual([]);
    expect(described).toEqual(expect.arrayContaining(["GET /healthz", "GET /readyz", "GET /metrics"]));
  });

  it("names the roles of every operation that needs a key, as the API enforces them", async () => {
    const guarded = Object.entries<any>(doc.paths).flatMap(([path, operations]) =>
      Object.entries<any>(operations)
        .filter(([, spec]) => spec.security?.length !== 0)
        .map(([method, spec]) => ({ method, path, spec })),
    );
    expect(guarded.length).toBeGreaterThan(15);
    for (const { method, path, spec } of guarded) {
      const roles: string[] = spec["x-herald-roles"];
      expect(roles, `${method} ${path}`).toContain("admin");
      expect(spec.description).toContain(`Roles: ${roles.join(", ")}.`);
      expect(spec.security).toEqual([{ apiKey: [] }]);
      expect(Object.keys(spec.responses)).toEqual(expect.arrayContaining(["401", "403"]));
      for (const role of ["viewer", "ingest"]) {
        const { status } = await fetch(`${gateway.url}${path.replace("{id}", NO_SUCH_ID)}`, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${keys[role]}` },
        });
        expect(status === 403, `${role} on ${method} ${path}: ${status}`).toBe(!roles.includes(role));
      }
    }
  });

  it("serves /docs from Herald itself: every script and style it loads answers, none from elsewhere", async () => {
    const page = await fetch(`${gateway.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((match) => match[1] as string);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    // No inline script: every <script> names its file.
    expect(html.match(/<script/g)?.length).toBe(html.match(/<script src="/g)?.length);
    for (const url of urls) {
      expect(url, "a path on Herald's own origin").toMatch(/^\/[^/]/);
      expect((await fetch(`${gateway.url}${url}`)).status, url).toBe(200);
    }
    const init = await (await fetch(`${gateway.url}/docs/init.js`)).text();
    expect(init).toContain('"/api/v1/openapi.json"');
    expect(init).not.toMatch(/https?:/);
    expect((await fetch(`${gateway.url}/docs/assets/package.json`)).status).toBe(404);
  });

  it("documents the POST /webhooks body as the API checks it", async () => {
    const check = validatorFor(requestSchema("POST", "/api/v1/webhooks"));
    const base = { name: "docs", url: receiver.url };
    const cases: [string, unknown, boolean][] = [
      ["nothing", {}, false],
      ["no url", { name: "docs" }, false],
      ["name and url", base, true],
      ["an unknown field", { ...base, colour: "red" }, false],
      ["retry_count over 10", { ...base, retry_count: 11 }, false],
      [
        "http settings",
        { ...base, destination: { kind: "http", auth: { type: "bearer", token: "t0ken" } } },
        true,
      ],
      ["a setting the destination lacks", { ...base, destination: { kind: "http", index: "x" } }, false],
    ];
    for (const [what, body, accepted] of cases) {
      expect(check(body), `the schema on ${what}`).toBe(accepted);
      const { status } = await gateway.api("POST", "/api/v1/webhooks", body);
      expect(status, `the API on ${what}`).toBe(accepted ? 201 : 422);
    }
  });

  it("takes its event examples from the fixtures; each is an event the API accepts", async () => {
    const examples = operation("POST", "/api/v1/events").requestBody.content["application/json"].examples;
    expect(Object.keys(examples)).toEqual(Object.keys(FIXTURE_EVENTS));
    const isEvent = validatorFor({ $ref: "#/components/schemas/Event" });
    for (const [name, example] of Object.entries<any>(examples)) {
      expect(example.value).toEqual(rawFixture(name));
      expect(isEvent(example.value), JSON.stringify(isEvent.errors)).toBe(true);
      await callDocumented("POST", "/api/v1/events", "", example.value, keys.ingest);
    }
  });

  it("holds each format's options and each destination's settings, and the webhook points at them", async () => {
    const formats = (await gateway.api("GET", "/api/v1/formats")).body.data;
    for (const format of formats) {
      const { $schema: _, ...optionsSchema } = format.options_schema;
      expect(doc.components.schemas[`FormatOptions_${format.name}`]).toMatchObject(optionsSchema);
    }
    const destinations = (await gateway.api("GET", "/api/v1/destinations")).body.data;
    for (const destination of destinations) {
      const component = doc.components.schemas[`Destination_${destination.kind}`];
      expect(component.properties).toMatchObject({
        kind: { const: destination.kind },
        ...destination.settings_schema.properties,
      });
    }
    const webhook = doc.components.schemas.WebhookInput.properties;
    expect(webhook.options.anyOf).toHaveLength(formats.length);
    expect(webhook.destination.anyOf[0].anyOf.map((ref: any) => ref.$ref)).toEqual(
      destinations.map((destination: any) => `#/components/schemas/Destination_${destination.kind}`),
    );
  });

  it("answers as documented, successes and errors alike", async () => {
    const created = await callDocumented("POST", "/api/v1/webhooks", "", {
      name: "documented",
      url: `${receiver.url}hook/token?sig=1`,
      secret: "a-signing-secret",
      headers: { "X-Team": "soc" },
      destination: { tls: { allow_invalid_certs: false } },
      event_types: ["auto_ban"],
    });
    const id = created.body.id;
    await callDocumented("GET", "/api/v1/webhooks/{id}", id);
    await callDocumented("GET", "/api/v1/webhooks/{id}", id, undefined, keys.viewer);
    await callDocumented("GET", "/api/v1/webhooks", "", undefined, keys.viewer);
    await callDocumented("PUT", "/api/v1/webhooks/{id}", id, { retry_count: 0 });
    await callDocumented("POST", "/api/v1/events", "", {
      ...rawFixture("website-defender-auto-ban"),
      id: "docs-1",
    });
    const deliveries = await eventually(async () => {
      const { body } = await callDocumented("GET", "/api/v1/webhooks/{id}/deliveries", id);
      return body.data.some((delivery: any) => delivery.status === "delivered") ? body.data : undefined;
    });
    await callDocumented("GET", "/api/v1/deliveries/{id}", deliveries[0].id);
    await callDocumented("POST", "/api/v1/deliveries/{id}/retry", deliveries[0].id);
    await callDocumented("POST", "/api/v1/webhooks/{id}/test", id, {});
    await callDocumented("POST", "/api/v1/webhooks/{id}/preview", id, rawFixture("pentest-critical-finding"));
    await callDocumented("POST", "/api/v1/preview", "", { webhook: { format: "slack" } });
    for (const path of [
      "/api/v1/formats",
      "/api/v1/destinations",
      "/api/v1/webhooks/events/types",
      "/api/v1/keys",
    ]) {
      await callDocumented("GET", path);
    }
    await callDocumented("POST", "/api/v1/keys", "", { role: "viewer", name: "documented" });
    await callDocumented("GET", "/healthz", "", undefined);
    await callDocumented("GET", "/readyz", "", undefined);

    expect((await callDocumented("GET", "/api/v1/webhooks/{id}", NO_SUCH_ID)).status).toBe(404);
    expect((await callDocumented("POST", "/api/v1/webhooks", "", {})).status).toBe(422);
    expect((await callDocumented("POST", "/api/v1/webhooks", "", "{not json")).status).toBe(400);
    expect((await callDocumented("GET", "/api/v1/webhooks", "", undefined, "hk_unknown")).status).toBe(401);
    expect((await callDocumented("POST", "/api/v1/events", "", {}, keys.viewer)).status).toBe(403);
  });

  it("documents `limit` with the bounds the API enforces", async () => {
    const limit = operation("GET", "/api/v1/webhooks").parameters.find(
      (parameter: any) => parameter.name === "limit",
    );
    const { minimum, maximum } = limit.schema;
    const status = async (value: number) =>
      (await gateway.api("GET", `/api/v1/webhooks?limit=${value}`)).status;
    expect([await status(minimum), await status(maximum)]).toEqual([200, 200]);
    expect([await status(minimum - 1), await status(maximum + 1)]).toEqual([422, 422]);
  });
});
