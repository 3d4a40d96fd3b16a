import { describe, expect, it } from "vitest";
import { renderBatch } from "../../src/formats/batch";
import type { Format } from "../../src/formats/format";
import { findFormat } from "../../src/formats/registry";
import { fixtureEvent } from "../support/fixtures";
import { engine, NOW } from "../support/render";

const ban = fixtureEvent("website-defender-auto-ban");

function render(name: string, suppressed: number, options: object = {}) {
  const format = findFormat(name) as Format<unknown>;
  const template = engine.compile(engine.defaultSource(name));
  return renderBatch(format, [ban], format.optionsSchema.parse(options), template, NOW, undefined, suppressed)
    .body;
}

describe("the repeats dedup suppressed, in the default templates", () => {
  it.each([
    ["slack", {}],
    ["teams", {}],
    ["discord", {}],
  ])("%s says how many repeats were suppressed, and nothing when there were none", (name, options) => {
    expect(render(name, 12, options)).toContain("12 repeats suppressed");
    expect(render(name, 0, options)).not.toContain("repeats suppressed");
  });

  it("json carries the count as a number, and no key when there were none", () => {
    expect(JSON.parse(render("json", 12))).toMatchObject({ id: ban.id, suppressed: 12 });
    expect(JSON.parse(render("json", 0))).not.toHaveProperty("suppressed");
  });

  it("pagerduty leads the alert's details with the count", () => {
    const options = { routing_key: "R0UT1NGK3Y0000000000000000000000" };
    const details = JSON.parse(render("pagerduty", 12, options)).payload.custom_details;
    expect(Object.entries(details)[0]).toEqual(["repeats_suppressed", 12]);
    expect(JSON.parse(render("pagerduty", 0, options)).payload.custom_details).not.toHaveProperty(
      "repeats_suppressed",
    );
  });

  it("a batch counts the repeats once, with its first event", () => {
    const format = findFormat("splunk_hec") as Format<unknown>;
    const template = engine.compile('{"event": {{json suppressed}} }');
    const body = renderBatch(
      format,
      [ban, ban, ban],
      format.optionsSchema.parse({}),
      template,
      NOW,
      undefined,
      5,
    ).body;
    expect(
      body
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line).event.event),
    ).toEqual([5, 0, 0]);
  });
});
