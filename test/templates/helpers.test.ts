import type { HelperOptions } from "handlebars";
import { describe, expect, it } from "vitest";
import { escapeMrkdwn } from "../../src/formats/slack";
import { genericHelpers, jsonOutputOf } from "../../src/templates/helpers";
import { valueText } from "../../src/text";
import { ALL_HELPERS } from "./support";

// The helpers whose output a JSON template's proof trusts (src/templates/json-proof.ts) keep
// their promise whatever their arguments, and the helpers made faster still answer as before.

const OPTIONS = { hash: {}, data: {} } as HelperOptions;

const VALUES: unknown[] = [
  "plain",
  'quote " and \\ backslash',
  "control \u0000\u0001\u001f\u007f and \n\r\t",
  "lone \ud800 and \udfff surrogates",
  "pair 🚨 \u2028\u2029 </script>",
  "",
  0,
  -0,
  1e21,
  Number.NaN,
  Number.NEGATIVE_INFINITY,
  true,
  null,
  undefined,
  [1, "a", null, { b: '"' }],
  { key: "value", nested: { list: [] }, 'quote"key': 1 },
  JSON.parse('{"__proto__": {"x": 1}}'),
  () => "a function",
  Symbol("symbol"),
];

/** Calls a helper as Handlebars does: its arguments, then its options. */
const call = (name: string, ...args: unknown[]) =>
  (ALL_HELPERS[name] as (...list: unknown[]) => unknown)(...args, OPTIONS);

describe("helpers a JSON template's proof trusts", () => {
  it("are the ones that promise it", () => {
    const promises = Object.fromEntries(
      Object.entries(ALL_HELPERS)
        .map(([name, helper]) => [name, jsonOutputOf(helper)])
        .filter(([, output]) => output !== undefined),
    );
    expect(promises).toEqual({ json: "value", teamsText: "value", mrkdwn: "string content" });
  });

  it("json writes one whole JSON value, exactly as JSON.stringify does, whatever it is given", () => {
    for (const value of VALUES) {
      const written = call("json", value) as string;
      expect(typeof written).toBe("string");
      expect(JSON.stringify(JSON.parse(written))).toBe(written);
      const expected = JSON.stringify(value ?? null) ?? "null";
      expect(written).toBe(expected);
    }
    expect((genericHelpers.json as (...list: unknown[]) => unknown)(OPTIONS)).toBe("null");
  });

  it("teamsText writes one JSON string of the value's text, exactly as JSON.stringify does", () => {
    for (const value of VALUES) {
      const written = call("teamsText", value) as string;
      expect(JSON.stringify(JSON.parse(written))).toBe(written);
      expect(JSON.parse(written)).toBe(valueText(value) ?? "");
    }
  });

  it("mrkdwn writes what goes between a JSON string's quotes, exactly as JSON.stringify writes it", () => {
    for (const value of VALUES) {
      const written = call("mrkdwn", value) as string;
      const text = escapeMrkdwn(valueText(value) ?? "");
      expect(`"${written}"`).toBe(JSON.stringify(text));
    }
  });
});

describe("helpers made faster", () => {
  it("date writes a pattern's tokens and keeps the text between them, however often a pattern is used", () => {
    const time = "2026-02-05T07:08:09.123Z";
    for (let round = 0; round < 3; round++) {
      expect(call("date", time, "YYYY-MM-DD HH:mm:ss.SSS")).toBe("2026-02-05 07:08:09.123");
      expect(call("date", time, "DD/MM/YYYY at HH.mm")).toBe("05/02/2026 at 07.08");
      expect(call("date", time, "SSSS YYYYY MMM ss ss")).toBe("123S 2026Y 02M 09 09");
      expect(call("date", time, "no tokens at all")).toBe("no tokens at all");
      expect(call("date", time, "")).toBe("");
    }
    expect(call("date", "2026-11-23T23:59:59.999+05:00", "YYYY-MM-DD HH:mm")).toBe("2026-11-23 18:59");
    expect(call("date", "not a date", "YYYY")).toBe("");
    expect(call("date", time)).toBe(time);
    expect(call("date", time, 42)).toBe(time);
  });

  it("default picks the first value neither missing nor empty, else an empty text", () => {
    expect(call("default", undefined, null, "", 0, "x")).toBe(0);
    expect(call("default", undefined, null, "")).toBe("");
    expect(call("default")).toBe("");
    expect(call("default", false)).toBe(false);
  });
});
