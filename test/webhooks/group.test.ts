import { describe, expect, it } from "vitest";
import { groupKey, groupSchema, groupValues, groupValuesOfKey } from "../../src/webhooks/group";
import { fixtureEvent } from "../support/fixtures";
import { fixtureWith } from "../support/render";

const ban = fixtureEvent("website-defender-auto-ban");
const BY = ["type", "data.client_ip"];

describe("a webhook's groups", () => {
  it("events with the same values at `by` share a key; another value is another group", () => {
    const again = fixtureWith("website-defender-auto-ban", { id: "another", title: "another ban" });
    const elsewhere = fixtureWith("website-defender-auto-ban", {
      data: { ...ban.data, client_ip: "192.0.2.99" },
    });
    expect(groupKey(again, BY)).toBe(groupKey(ban, BY));
    expect(groupKey(elsewhere, BY)).not.toBe(groupKey(ban, BY));
  });

  it("a group's values come back from its key, a missing value as null", () => {
    const by = [...BY, "data.no_such_field"];
    expect(groupValuesOfKey(groupKey(ban, by), by)).toEqual({
      type: ban.type,
      "data.client_ip": ban.data.client_ip,
      "data.no_such_field": null,
    });
    expect(groupValues(ban, BY)).toEqual({ type: ban.type, "data.client_ip": ban.data.client_ip });
  });

  it("a huge value is kept as a SHA-256 key, still one group per value", () => {
    const huge = (tail: string) =>
      fixtureWith("website-defender-auto-ban", { data: { client_ip: `${"x".repeat(100_000)}${tail}` } });
    const key = groupKey(huge("a"), BY);
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(groupKey(huge("a"), BY)).toBe(key);
    expect(groupKey(huge("b"), BY)).not.toBe(key);
    expect(groupValuesOfKey(key, BY)).toBeNull();
  });

  it("by [] puts every event in one group", () => {
    expect(groupKey(ban, [])).toBe(groupKey(fixtureEvent("wallarm-hit-sqli"), []));
  });

  it("refuses a path that is not an event field, and fills in the defaults", () => {
    const issues = groupSchema.safeParse({ by: ["data", "id", "data..x", "__proto__"] }).error?.issues;
    expect(issues?.map((issue) => issue.path.join("."))).toEqual(["by.0", "by.1", "by.2", "by.3"]);
    expect(groupSchema.parse({})).toEqual({ by: [], wait_s: 30, interval_s: 300, max_events: 1000 });
  });
});
