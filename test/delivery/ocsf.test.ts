import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawFixture } from "../support/fixtures";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { deliveriesIn, subscribe } from "../support/subscriptions";

const schema = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "..", "support", "schemas", "ocsf-detection-finding.schema.json"),
    "utf8",
  ),
);

describe("OCSF Detection Findings through the gateway", () => {
  let gateway: TestGateway;
  let receiver: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
    receiver = await startReceiver(() => ({ status: 202 }));
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  it("posts one Detection Finding per event, each valid for the class", async () => {
    const webhook = await subscribe(gateway, { url: `${receiver.origin}/ocsf`, format: "ocsf" });
    const fixtures = ["wallarm-hit-sqli", "website-defender-auto-ban", "pentest-critical-finding"];
    await gateway.api("POST", "/api/v1/events", fixtures.map(rawFixture));
    const deliveries = await deliveriesIn(gateway, webhook.id, fixtures.length);
    expect(deliveries.every((delivery) => delivery.status === "delivered")).toBe(true);
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const findings = receiver.requests.map((request) => JSON.parse(request.body));
    for (const finding of findings) expect(validate(finding), JSON.stringify(validate.errors)).toBe(true);
    expect(findings.map((finding) => finding.class_uid)).toEqual([2004, 2004, 2004]);
    expect(receiver.requests[0]?.headers["content-type"]).toBe("application/json");
    const wallarm = findings.find((finding) => finding.metadata.product.name === "wallarm");
    const { data } = rawFixture("wallarm-hit-sqli") as { data: { remote_addr4: string } };
    expect(wallarm.evidences[0].src_endpoint.ip).toBe(data.remote_addr4);
  });
});
