import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway";

describe("health and readiness", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
  });
  afterAll(() => gateway?.close());

  const readyz = async () => {
    const response = await fetch(`${gateway.url}/readyz`);
    return { status: response.status, body: (await response.json()) as any };
  };

  it("is ready when the database answers and the engine is claiming, and says when it last claimed", async () => {
    const { status, body } = await readyz();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ready", engine: { claiming: true, last_claim_error: null } });
    expect(body.engine.last_claim_age_ms).toBeGreaterThanOrEqual(0);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it("answers 503 naming the engine once it stops claiming", async () => {
    await gateway.engine.stop(0);
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: "unavailable",
      reason: "the delivery engine is not claiming work (stopped or stopping)",
      engine: { claiming: false },
    });
  });
});
