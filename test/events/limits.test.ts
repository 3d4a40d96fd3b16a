import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exceededBound, nestsDeeperThan } from "../../src/events/limits";

describe("how deep a JSON body nests, read from its text", () => {
  it("counts the value itself as level 1, objects and arrays alike", () => {
    expect(nestsDeeperThan("1", 0)).toBe(false);
    expect(nestsDeeperThan("[]", 0)).toBe(true);
    expect(nestsDeeperThan('{"a": [{"b": 1}]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a": [{"b": 1}]}', 2)).toBe(true);
  });

  it("ignores brackets and escaped quotes inside strings, keys included", () => {
    expect(nestsDeeperThan('{"[[[{{": "]]]\\"[[[[", "\\\\": "{{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('["\\\\", ["x"]]', 1)).toBe(true);
  });

  it("answers as a walk of the parsed value does, for any JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, maxDepth) => {
        const text = JSON.stringify(value, null, 1);
        expect(nestsDeeperThan(text, maxDepth)).toBe(
          exceededBound(value, maxDepth, Number.POSITIVE_INFINITY) === "depth",
        );
      }),
      { numRuns: 2000 },
    );
  });
});
