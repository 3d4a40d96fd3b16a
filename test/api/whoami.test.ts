import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";

describe("GET /api/v1/whoami", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
  });
  afterAll(() => gateway?.close());

  it("names the calling key and its role, whatever the role", async () => {
    expect((await gateway.api("GET", "/api/v1/whoami", undefined, ADMIN_TOKEN)).body).toEqual({
      name: "bootstrap",
      role: "admin",
    });
    for (const role of ["admin", "viewer", "ingest"]) {
      const { key } = (await gateway.api("POST", "/api/v1/keys", { role, name: `${role} key` })).body;
      const { status, body } = await gateway.api("GET", "/api/v1/whoami", undefined, key);
      expect(status).toBe(200);
      expect(body).toEqual({ name: `${role} key`, role });
    }
  });

  it("answers 401 for an unknown key", async () => {
    expect((await gateway.api("GET", "/api/v1/whoami", undefined, "hk_unknown")).status).toBe(401);
  });
});
