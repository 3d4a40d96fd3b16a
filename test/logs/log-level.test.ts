import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config";
import { rawFixture } from "../support/fixtures";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { deliveriesIn, subscribe } from "../support/subscriptions";
import { parseLines } from "./log-lines";

describe("HERALD_LOG_LEVEL", () => {
  it("is info by default, taken in any case, and a bad value names the variable and the levels", () => {
    expect(loadConfig({}).HERALD_LOG_LEVEL).toBe("info");
    expect(loadConfig({ HERALD_LOG_LEVEL: "WARN" }).HERALD_LOG_LEVEL).toBe("warn");
    expect(() => loadConfig({ HERALD_LOG_LEVEL: "verbose" })).toThrow(ConfigError);
    expect(() => loadConfig({ HERALD_LOG_LEVEL: "verbose" })).toThrow(
      "HERALD_LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent",
    );
  });

  describe("at warn", () => {
    let gateway: TestGateway;
    const lines: string[] = [];

    beforeAll(async () => {
      gateway = await startTestGateway("pglite", { HERALD_LOG_LEVEL: "warn" }, { logLines: lines });
    });
    afterAll(() => gateway?.close());

    it("drops the info lines (requests, start-up) and keeps a failed delivery's", async () => {
      const webhook = await subscribe(gateway, { url: "http://127.0.0.1:9/hook", retry_count: 0 });
      expect((await gateway.api("POST", "/api/v1/events", rawFixture("wallarm-hit-sqli"))).status).toBe(202);
      await deliveriesIn(gateway, webhook.id, 1);
      const logged = await eventually(async () => (lines.length > 0 ? parseLines(lines) : undefined));
      expect(logged.map((line) => line.level)).toEqual(["error"]);
      expect(logged[0]).toMatchObject({ message: "delivery failed for good", webhook_id: webhook.id });
    });
  });

  describe("at debug", () => {
    let gateway: TestGateway;
    let receiver: Receiver;
    const lines: string[] = [];

    beforeAll(async () => {
      receiver = await startReceiver();
      gateway = await startTestGateway("pglite", { HERALD_LOG_LEVEL: "debug" }, { logLines: lines });
    });
    afterAll(async () => {
      await gateway?.close();
      await receiver?.close();
    });

    it("writes a line for a delivered attempt", async () => {
      const webhook = await subscribe(gateway, { url: receiver.url });
      expect((await gateway.api("POST", "/api/v1/events", rawFixture("wallarm-hit-sqli"))).status).toBe(202);
      const delivered = await eventually(async () =>
        parseLines(lines).find((line) => line.message === "delivered"),
      );
      expect(delivered).toMatchObject({
        level: "debug",
        webhook_id: webhook.id,
        status: "delivered",
        status_code: 200,
      });
    });
  });
});
