import { describe, expect, it } from "vitest";
import { readJsonAnswer } from "../../src/destinations/http/json-answer";
import { createPagerDutyStandIn } from "../support/pagerduty";
import { jsonPost as request } from "../support/receiver";

describe("what the PagerDuty stand-in answers, read", () => {
  const post = (event: unknown) => createPagerDutyStandIn().answer(request("/v2/enqueue", event));
  const valid = {
    routing_key: "e93facc04764012d7bfb002500d5d1a6",
    event_action: "trigger",
    payload: { summary: "s", source: "h", severity: "info" },
  };

  it("refuses a wrong routing key with PagerDuty's documented answer, which reads as its message and errors", () => {
    const answer = post({ ...valid, routing_key: "short" });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body ?? "")).toEqual({
      status: "invalid event",
      message: "Event object is invalid",
      errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
    });
    expect(readJsonAnswer(answer.body ?? "").message).toBe(
      "Event object is invalid (Length of 'routing_key' is incorrect (should be 32 characters))",
    );
  });

  it("lists every missing or invalid payload field", () => {
    const answer = post({ ...valid, payload: { summary: "x".repeat(1025), source: "", severity: "high" } });
    expect(JSON.parse(answer.body ?? "").errors).toEqual([
      "'payload.summary' is too long (maximum is 1024 characters)",
      "'payload.source' is missing or blank",
      "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
    ]);
    expect(JSON.parse(post({ ...valid, payload: undefined }).body ?? "").errors).toEqual([
      "'payload' is missing or blank",
    ]);
    expect(post({ ...valid, dedup_key: "k".repeat(256) }).status).toBe(400);
    expect(readJsonAnswer(post("{not json").body ?? "").message).toBe(
      "Event object format is unrecognized (JSON parse error)",
    );
    expect(JSON.parse(post(valid).body ?? "")).toMatchObject({
      status: "success",
      message: "Event processed",
    });
  });

  it("rate-limits when told to", () => {
    const standIn = createPagerDutyStandIn();
    standIn.rateLimited = true;
    const answer = standIn.answer(request("/v2/enqueue", valid));
    expect(answer.status).toBe(429);
    expect(readJsonAnswer(answer.body ?? "").message).toMatch(/arriving too quickly/);
    standIn.rateLimited = false;
    expect(standIn.answer(request("/v2/enqueue", valid)).status).toBe(202);
  });
});
