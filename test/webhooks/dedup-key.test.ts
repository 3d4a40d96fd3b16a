import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { compileDedupKey, parseDedupKey } from "../../src/webhooks/dedup";

const event: HeraldEvent = {
  id: "wd-1",
  type: "auto_ban",
  source: "website-defender",
  time: "2026-02-20T10:30:00.000Z",
  severity: "high",
  title: "Banned 203.0.113.7",
  subject: null,
  data: { client_ip: "203.0.113.7", rule: { id: 942100, tags: ["sqli"] }, hits: 12 },
};

describe("dedup keys", () => {
  it("fills in top-level fields and data paths by plain substitution", () => {
    expect(compileDedupKey("{{type}}:{{ data.client_ip }}")(event)).toBe("auto_ban:203.0.113.7");
    expect(compileDedupKey("{{data.rule.id}}/{{data.hits}}")(event)).toBe("942100/12");
  });

  it("writes a missing path as the empty string and an object as its JSON", () => {
    expect(compileDedupKey("{{subject}}|{{data.nope.deeper}}|{{source}}")(event)).toBe("||website-defender");
    expect(compileDedupKey("{{data.rule}}")(event)).toBe('{"id":942100,"tags":["sqli"]}');
  });

  it("stores a key too long for an index entry as its SHA-256", () => {
    const long = { ...event, data: { blob: "x".repeat(5000) } };
    expect(compileDedupKey("{{data.blob}}")(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("accepts only literal text and field references", () => {
    for (const bad of [
      "{{upper type}}",
      "{{#if type}}x{{/if}}",
      "{{> partial}}",
      "{{time}}",
      "{{data}}",
      "{{{type}}}",
      "ip {{type",
    ]) {
      expect(parseDedupKey(bad), bad).toHaveProperty("problem");
    }
    expect(parseDedupKey("static text")).toEqual({ problem: expect.stringContaining("names no field") });
    expect(parseDedupKey("{{severity}}-{{title}}")).toHaveProperty("pieces");
  });
});
