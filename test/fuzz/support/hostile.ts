import fc from "fast-check";

/** Strings that have broken parsers, databases and templates before. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "x\udfffy",
    "\u202e",
    "\ufeff",
    "💥".repeat(50),
    "__proto__",
    "constructor",
    "toString",
    "{{",
    "{{#each}}",
    "{{> partial}}",
    "{{lookup this 'constructor'}}",
    "'; DROP TABLE events; --",
    "%00",
    "../../etc/passwd",
    "http://",
    "http://[::1",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "9".repeat(400),
    "1e400",
    "-0",
    "NaN",
    "2026-02-30T10:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:60Z",
    "x".repeat(300),
    "x".repeat(5000),
  ),
  fc.string({ maxLength: 20, unit: "binary" }),
);

/** A value of any JSON type, hostile strings and awkward numbers among them. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    2 ** 53 + 1,
    -(2 ** 63),
    1e308,
    Number.MIN_VALUE,
    [],
    {},
    [[]],
    [null],
    { "": "" },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

/**
 * A value with one field changed: set to a hostile value, removed, or (in an array or object)
 * given an extra unknown key. The path is picked among the value's own fields, nested ones too.
 */
export function mutateOneField(value: unknown): fc.Arbitrary<unknown> {
  const paths = fieldPaths(value);
  if (paths.length === 0) return hostileValue;
  return fc
    .tuple(fc.constantFrom(...paths), fc.constantFrom("set", "remove", "extra"), hostileValue, hostileString)
    .map(([path, how, replacement, extraKey]) => {
      const copy = structuredClone(value);
      const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], copy);
      const key = path[path.length - 1] as string | number;
      if (how === "set") parent[key] = replacement;
      else if (how === "remove" && Array.isArray(parent)) parent.splice(key as number, 1);
      else if (how === "remove") delete parent[key];
      else if (parent && typeof parent === "object" && !Array.isArray(parent))
        parent[extraKey || "extra"] = replacement;
      else parent[key] = replacement;
      return copy;
    });
}

/** The paths of every field in a JSON value (not the value itself), at most 4 levels down. */
function fieldPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object" || prefix.length >= 4) return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((element, index) => [index, element])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...fieldPaths(child, [...prefix, key])]);
}

const utf8 = (text: string) => Buffer.from(text, "utf8");

/** JSON nested `levels` arrays deep: [[[…]]]. */
export const deepJson = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

/** Bodies at or past a limit (src/events/limits.ts): each costs the gateway real work. */
export const HEAVY = [
  utf8(deepJson(65)),
  utf8(deepJson(5000)),
  utf8(`{"type":"hit","data":${'{"a":'.repeat(40)}1${"}".repeat(40)}}`),
  utf8(`[${'{"type":"hit"},'.repeat(1000)}{"type":"hit"}]`),
  utf8(`{"type":"hit","data":{${Array.from({ length: 10_001 }, (_, i) => `"k${i}":0`).join(",")}}}`),
  utf8(`{"type":"hit","data":{"blob":"${"é".repeat(600_000)}"}}`),
];

/** Bodies that are not JSON, or JSON no parser should be trusted with, as raw bytes. */
export const garbageBody: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...HEAVY) },
  {
    weight: 15,
    arbitrary: fc.oneof(
      fc.constantFrom(
        Buffer.alloc(0),
        utf8("   "),
        utf8("null"),
        utf8("true"),
        utf8("0"),
        utf8('""'),
        utf8("[]"),
        utf8("{}"),
        utf8("{"),
        utf8('{"type":'),
        utf8("{'type': 'hit'}"),
        utf8('{"type":"hit",}'),
        utf8("NaN"),
        utf8("1e400"),
        utf8('{"type":"hit","data":{"n":1e400,"m":-1e400,"k":123456789012345678901234567890}}'),
        utf8('{"type":"hit","type":"auth.failed"}'),
        utf8('{"type":"hit","data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}}'),
        utf8('{"__proto__":{"type":"hit"}}'),
        utf8('{"type":"hit\\u0000"}'),
        utf8('{"type":"\\ud800"}'),
        utf8('{"type":"hit","data":{"\\udc00":1}}'),
        Buffer.from([0x7b, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"type":"<invalid UTF-8>"}
        Buffer.from([0xef, 0xbb, 0xbf, ...utf8('{"type":"hit"}')]), // a byte-order mark first
        Buffer.from([0xc3, 0x28, 0xa0, 0xa1]),
        utf8("\u0000\u0000\u0000"),
      ),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 64, unit: "binary" }).map(utf8),
      fc.jsonValue({ maxDepth: 4 }).map((value) => utf8(JSON.stringify(value))),
    ),
  },
);
