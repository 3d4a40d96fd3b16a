import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { parseLines, requestLines } from "./log-lines";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("the request log", () => {
  let gateway: TestGateway;
  const lines: string[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway("pglite", {}, { logLines: lines });
  });
  afterAll(() => gateway?.close());

  /** A request with the given headers, and the lines logged about it (by its answer's request id). */
  async function request(path: string, headers: Record<string, string> = {}, init: RequestInit = {}) {
    const response = await fetch(`${gateway.url}${path}`, { ...init, headers });
    await response.arrayBuffer();
    const id = response.headers.get("x-request-id") ?? "";
    return { response, id, logged: requestLines(lines).filter((line) => line.request_id === id) };
  }

  it("echoes the caller's X-Request-Id and logs the request once under it", async () => {
    const { response, id, logged } = await request("/api/v1/webhooks?limit=5", {
      "X-Request-Id": "caller-id_0123=",
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(response.status).toBe(200);
    expect(id).toBe("caller-id_0123=");
    expect(logged).toEqual([
      expect.objectContaining({
        level: "info",
        message: "request completed",
        component: "http",
        method: "GET",
        path: "/api/v1/webhooks",
        status: 200,
        duration_ms: expect.any(Number),
        key_name: "bootstrap",
        role: "admin",
      }),
    ]);
    expect(JSON.stringify(logged)).not.toContain("limit=5");
  });

  it("makes a request id when none is sent", async () => {
    const { id, logged } = await request("/api/v1/formats", { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(id).toMatch(UUID);
    expect(logged).toHaveLength(1);
  });

  it.each([
    ["10 KB long", "a".repeat(10 * 1024)],
    ["with spaces and quotes", 'x" "level":"fatal'],
    ["with a tab", "abc\tdef"],
    ["not ASCII", "caf\u00e9-r\u00e9sum\u00e9"],
    // A line break cannot reach Herald: HTTP ends the header there (and fetch refuses to send one).
  ])("replaces an X-Request-Id %s with one of its own, never echoing or logging it", async (_, hostile) => {
    const { response, id, logged } = await request("/healthz", { "X-Request-Id": hostile });
    expect(response.status).toBe(200);
    expect(id).toMatch(UUID);
    expect(logged).toHaveLength(0); // a health check that succeeds is logged at debug only
    expect(lines.join("")).not.toContain(hostile.slice(0, 64));
  });

  it("logs one line for each request whatever answers it: 404, 401, 422, the key's name and never the key", async () => {
    const { body: viewer } = await gateway.api("POST", "/api/v1/keys", {
      role: "viewer",
      name: "soc-viewer",
    });
    const answers = [
      await request("/no/such/page"),
      await request("/api/v1/webhooks", { authorization: "Bearer hk_not-a-key-at-all" }),
      await request("/api/v1/webhooks", { authorization: `Bearer ${viewer.key}` }),
      await request(
        "/api/v1/webhooks",
        { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        { method: "POST", body: JSON.stringify({ name: "" }) },
      ),
    ];
    expect(answers.map(({ response }) => response.status)).toEqual([404, 401, 200, 422]);
    for (const { logged } of answers) expect(logged).toHaveLength(1);
    expect(answers.map(({ logged }) => logged[0]?.key_name)).toEqual([
      undefined,
      undefined,
      "soc-viewer",
      "bootstrap",
    ]);
    const everything = lines.join("");
    for (const secret of [viewer.key, "hk_not-a-key-at-all", ADMIN_TOKEN]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe("an unexpected error", () => {
  let broken: TestGateway;
  const lines: string[] = [];

  beforeAll(async () => {
    broken = await startTestGateway("pglite", {}, { logLines: lines });
    // The store gone, listing webhooks fails in a way no request can cause.
    await broken.store.close();
  });
  afterAll(() => broken?.close().catch(() => {}));

  it("is logged with the request's id, before the request's own line", async () => {
    const response = await fetch(`${broken.url}/api/v1/webhooks`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "x-request-id": "broken-1" },
    });
    expect(response.status).toBe(500);
    expect(response.headers.get("x-request-id")).toBe("broken-1");
    const logged = parseLines(lines).filter((line) => line.request_id === "broken-1");
    expect(logged.map((line) => [line.level, line.message])).toEqual([
      ["error", "unexpected error"],
      ["warn", "request failed"],
    ]);
  });
});
