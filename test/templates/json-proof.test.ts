import { describe, expect, it } from "vitest";
import { FormatError, type TemplateContext, type TemplateJson } from "../../src/formats/format";
import { jsonFormat } from "../../src/formats/json";
import { pick, seeded } from "../support/random";
import { engine, NOW } from "../support/render";
import { formatContexts, JSON_FORMATS, SAMPLE_EVENTS } from "./support";

// A JSON template's output is checked without parsing it when the engine proves the template
// (src/templates/json-proof.ts): every way through it is valid JSON whatever the values, and the
// output, written compact, is what parsing and re-serialising the template's own output gives.
// These hold the proof to that: over the default templates, over templates written to break it,
// and over random templates and values.

/** What the formats sent before: the template's output parsed and written compact, or the parse's error. */
function parsedAndWritten(text: string): { json: string } | { invalid: true } {
  try {
    return { json: JSON.stringify(JSON.parse(text)) };
  } catch {
    return { invalid: true };
  }
}

/** Renders `source` both ways and checks the proof's promise; returns whether the output was checked. */
function expectHonest(source: string, context: Record<string, unknown>): boolean {
  const template = engine.compile(source);
  let written: string;
  try {
    written = template(context as never);
  } catch (error) {
    expect(() => template.json?.(context as never)).toThrow((error as Error).message);
    return false;
  }
  const output = template.json?.(context as never);
  if (!output?.checked) {
    expect(output?.text).toBe(written);
    return false;
  }
  expect(parsedAndWritten(written), `template ${JSON.stringify(source)}`).toEqual({ json: output.text });
  return true;
}

/** Values that break JSON, Unicode or number formatting. */
const HOSTILE_VALUES: unknown[] = [
  'a "quoted" value',
  "back\\slash",
  '", "injected": "',
  '"}, "evil": {"x": 1}, "y": "',
  "line\nbreak\ttab\rreturn\u0000nul\u001fus",
  "lone \ud800 surrogate",
  "pair 🚨 and \u2028 separators \u2029",
  "</script><!--",
  "",
  "1.0",
  "-0",
  "1e3",
  "true",
  "null",
  0,
  -0,
  1e21,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  null,
  undefined,
  ["a", '"'],
  { key: 'v"', nested: { n: 1 } },
];

describe("JSON templates checked without a parse", () => {
  it.each(JSON_FORMATS.map((format) => [format.name, format] as const))(
    "the %s default template is proven, and its checked output is its output parsed and written compact",
    (_name, format) => {
      const contexts = formatContexts(format, SAMPLE_EVENTS);
      expect(contexts.length).toBeGreaterThan(0);
      for (const context of contexts) {
        expect(expectHonest(engine.defaultSource(format.name), context as never)).toBe(true);
      }
    },
  );

  it("never sends an unparseable payload, whatever a value holds, through any kind of insertion", () => {
    const templates = [
      '{"value": {{json v}}, "text": {{teamsText v}}, "inside": "<{{mrkdwn v}}>"}',
      '{"raw": "{{v}}", "upper": "{{upper v}}", "date": "{{date v "YYYY"}}"}',
      '{"scalar": {{v}}, "list": [{{#each list}}{{#unless @first}},{{/unless}}{{v}}{{/each}}]}',
      '{"default": {{json (default v "none")}}{{#if v}}, "present": true{{/if}} }',
    ];
    for (const source of templates) {
      for (const v of HOSTILE_VALUES) {
        for (const list of [[], [1], [1, 2, 3]]) {
          const event = { ...SAMPLE_EVENTS[0], data: {} } as never;
          const context = { v, list, event };
          expectHonest(source, context);
          // Through the json format itself: a payload that parses, or the FormatError it always was.
          const template = engine.compile(source);
          const withValues = (base: TemplateContext) => ({ ...base, v, list }) as TemplateContext;
          const bound = Object.assign((base: TemplateContext) => template(withValues(base)), {
            json: (base: TemplateContext) => template.json?.(withValues(base)) as TemplateJson,
          });
          const render = () => jsonFormat.render({ event, options: {}, template: bound, now: NOW });
          try {
            const { body } = render();
            expect(JSON.stringify(JSON.parse(body))).toBe(body);
          } catch (error) {
            expect(error).toBeInstanceOf(FormatError);
          }
        }
      }
    }
  });

  it.each([
    ["a key written by a mustache", '{"{{k}}": 1}'],
    ["a key inserted whole", "{ {{json k}}: 1}"],
    ["a key twice", '{"a": 1, "a": 2}'],
    ["a key twice through a loop", '{ {{#each list}}"a": 1,{{/each}} "b": 2}'],
    ["a key twice, written across a branch", '{"ab": 1, "{{#if x}}z{{else}}ab{{/if}}": 2}'],
    ["a key twice, written across a branch taken", '{"ab": 1, "{{#if y}}ab{{else}}z{{/if}}": 2}'],
    ["an array index as a key", '{"1": 1, "b": 2}'],
    ["a number a parse would rewrite", '{"a": 1.0}'],
    ["an escape a parse would rewrite", '{"a": "\\/"}'],
    ["a \\u escape of a printable character", '{"a": "\\u0041"}'],
    ["a trailing comma in a loop", "[{{#each list}}{{json this}},{{/each}}]"],
    ["a value after a value", '{"a": {{json x}}{{json y}} }'],
    ["a number running into a mustache", '{"a": 1{{x}} }'],
    ["an unknown helper", '{"a": {{nope x}} }'],
    ["a block helper other than if, unless, with and each", '{"a": {{#lookup x}}1{{/lookup}} }'],
    ["a partial", '{"a": {{> row}} }'],
    ["an inline partial", '{{#*inline "p"}}1{{/inline}}{"a": {{> p}} }'],
    ["two values", "{{json x}} {{json y}}"],
    ["nothing on one way through", '{{#if x}}{"a": 1}{{/if}}'],
    ["a path that calls a helper by its first part", '{"a": {{this.json x}} }'],
    ["the name of a guard", '{"a": "{{[herald json guard: string content] x}}"}'],
  ])("leaves %s to a parse", (_what, source) => {
    const template = engine.compile(source);
    for (const context of [
      { x: 1, y: 2, k: "a", list: [] },
      { x: 1, y: 2, k: "a", list: [1, 2] },
    ]) {
      const output = outcomeOf(() => template.json?.(context as never));
      expect(output !== undefined && "checked" in output ? output.checked : false).toBe(false);
    }
  });

  it("takes the way through that a value's guard or a list with holes marks as it was written", () => {
    const holes: unknown[] = [];
    holes[1] = "b";
    const list = engine.compile("[{{#each list}}{{#unless @first}},{{/unless}}{{json this}}{{/each}}]");
    expect(list.json?.({ list: ["a", "b"] } as never)).toMatchObject({ checked: true, text: '["a","b"]' });
    // Index 0 is a hole: no iteration is @first, the comma comes first, as Handlebars writes it.
    expect(list.json?.({ list: holes } as never)).toEqual({ checked: false, text: '[,"b"]' });
    const quoted = engine.compile('{"a": "{{x}}"}');
    expect(quoted.json?.({ x: "plain" } as never)).toMatchObject({ checked: true, text: '{"a":"plain"}' });
    // A quote in the value: the output is the template's own, injected key and all, as before.
    expect(quoted.json?.({ x: '", "b": "' } as never)).toEqual({
      checked: false,
      text: '{"a": "", "b": ""}',
    });
  });

  it("keeps to the render time limit in the checked way too", async () => {
    const { createTemplateEngine } = await import("../../src/templates/handlebars");
    const { FORMATS } = await import("../../src/formats/registry");
    const limited = createTemplateEngine(FORMATS);
    limited.limitRenderTime(50);
    const rows = Array.from({ length: 60 }, (_, i) => i);
    const bomb = limited.compile(`[${"{{#each @root.rows}}".repeat(4)}1,${"{{/each}}".repeat(4)}0]`);
    const started = performance.now();
    expect(() => bomb.json?.({ rows } as never)).toThrow(/took longer than 50 ms/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("holds for random templates and values", () => {
    const random = seeded(20261123);
    let checked = 0;
    let total = 0;
    for (let i = 0; i < 1500; i++) {
      const source = randomValue(random, 0);
      for (let j = 0; j < 4; j++) {
        total++;
        if (expectHonest(source, randomContext(random))) checked++;
      }
    }
    // The random templates reach the proof, not only its refusals.
    expect(checked / total).toBeGreaterThan(0.15);
  });
});

function outcomeOf<T>(run: () => T): T | { error: string } {
  try {
    return run();
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const space = (random: () => number) => pick(random, ["", "", " ", "\n  "]);
const PATHS = ["v", "w", "missing", "obj.k", "this.v", "@root.v", "list.length"];

function randomValue(random: () => number, depth: number): string {
  const choices =
    depth > 2
      ? ["json", "string", "literal", "scalar"]
      : ["json", "string", "literal", "scalar", "object", "object", "array", "array", "if"];
  switch (pick(random, choices)) {
    case "json":
      return pick(random, [
        `{{json ${pick(random, PATHS)}}}`,
        `{{teamsText ${pick(random, PATHS)}}}`,
        "{{json (default v w)}}",
      ]);
    case "string":
      return `"${randomStringContent(random)}"`;
    case "literal":
      return pick(random, ["0", "1", "-2.5", "true", "false", "null", "1.0", "1e3", '""', "{}", "[]"]);
    case "scalar":
      return `{{${pick(random, PATHS)}}}`;
    case "if":
      return `{{#if ${pick(random, PATHS)}}}${randomValue(random, depth + 1)}{{else}}${randomValue(random, depth + 1)}{{/if}}`;
    case "object":
      // Spaces by the braces: "{{{" and "}}}" would read as a {{{triple-stash}}}.
      return `{ ${randomMembers(random, depth + 1)} }`;
    default:
      return `[${space(random)}${randomItems(random, depth + 1)}${space(random)}]`;
  }
}

function randomMembers(random: () => number, depth: number): string {
  const keys = ["a", "b", "c", "d"];
  switch (pick(random, ["fixed", "fixed", "loop", "optional", "dynamic", "branch"])) {
    case "branch": {
      // A key written across a branch, beside keys that may be the same.
      const key = `"${pick(random, ["", "a"])}{{#if ${pick(random, PATHS)}}}${pick(random, keys)}{{else}}${pick(random, keys)}{{/if}}"`;
      return `"${pick(random, ["a", "aa", "ab", "b"])}": 1, ${key}: ${randomValue(random, depth)}`;
    }
    case "loop":
      return `{{#each list}}{{#unless @first}},{{/unless}}"${pick(random, keys)}":${randomValue(random, depth)}{{/each}}`;
    case "optional":
      return `{{#if ${pick(random, PATHS)}}}"${pick(random, keys)}": ${randomValue(random, depth)},{{/if}}"e": ${randomValue(random, depth)}`;
    case "dynamic":
      return `"{{${pick(random, PATHS)}}}": ${randomValue(random, depth)}`;
    default: {
      const count = Math.floor(random() * 3);
      const chosen = Array.from({ length: count }, () => pick(random, keys));
      return chosen
        .map((key) => `"${key}":${space(random)}${randomValue(random, depth)}`)
        .join(`,${space(random)}`);
    }
  }
}

function randomItems(random: () => number, depth: number): string {
  switch (pick(random, ["fixed", "loop", "loop", "last", "trailing"])) {
    case "loop":
      return `{{#each list}}{{#unless @first}},{{/unless}}${randomValue(random, depth)}{{/each}}`;
    case "last":
      return `{{#each list}}${randomValue(random, depth)}{{#unless @last}},{{/unless}}{{else}}"none"{{/each}}`;
    case "trailing":
      return `{{#each list}}${randomValue(random, depth)},{{/each}}0`;
    default:
      return Array.from({ length: Math.floor(random() * 3) }, () => randomValue(random, depth)).join(",");
  }
}

function randomStringContent(random: () => number): string {
  const pieces = [
    "text",
    " ",
    "\\n",
    '\\"',
    "\\\\",
    "\\u0001",
    "\\/",
    "é",
    "{{mrkdwn v}}",
    "{{v}}",
    "{{upper w}}",
    "{{@index}}",
    "{{#if v}}yes{{/if}}",
    "{{#each list}}{{this}}{{/each}}",
  ];
  return Array.from({ length: Math.floor(random() * 4) }, () => pick(random, pieces)).join("");
}

function randomContext(random: () => number): Record<string, unknown> {
  const values = [...HOSTILE_VALUES, "plain", 42, "x y"];
  const holes: unknown[] = [];
  holes[1] = pick(random, values);
  return {
    v: pick(random, values),
    w: pick(random, values),
    obj: { k: pick(random, values) },
    list: pick(random, [[], [pick(random, values)], [1, "two", null], holes]),
  };
}
