import { describe, expect, it } from "vitest";
import { FORMATS } from "../../src/formats/registry";
import { createTemplateEngine } from "../../src/templates/handlebars";
import { engine } from "../support/render";
import { formatContexts, outcome, referenceRender, SAMPLE_EVENTS } from "./support";

// Templates are compiled once, with the helpers they call known to Handlebars' compiler, and
// Handlebars' per-render set-up is done once per template (src/templates/compile.ts). A template
// must render exactly as Handlebars itself renders it, set up on every render: these compare the
// two, outputs and error messages, over the default templates and templates written to reach the
// corners (unknown helpers, paths that look like helpers, prototype properties, every kind of
// {{#each}}, partials, decorators).

const holes: unknown[] = [];
holes[1] = "b";
holes[3] = "d";

const CONTEXT = {
  x: 'say "hi" \\ <b>&',
  n: 0,
  t: true,
  f: false,
  nil: null,
  list: [1, "two", { three: 3 }],
  empty: [],
  holes,
  obj: { a: 1, b: { c: 2 }, json: "own json" },
  set: new Set(["s1", "s2"]),
  map: new Map([["k", "v"]]),
  str: "abc",
  time: "2026-02-05T07:08:09.123Z",
  fn: () => "called",
  json: { foo: "context json" },
  this: "a key named this",
  data: JSON.parse('{"__proto__": {"polluted": 1}, "constructor": "own constructor"}'),
  rows: [
    { name: "r1", tags: ["a", "b"] },
    { name: "r2", tags: [] },
  ],
};

const TEMPLATES = [
  // Helpers and names that look like them.
  "{{json x}}|{{json}}|{{json x n}}|{{json list}}|{{json nil}}|{{json missing}}",
  "{{this.json x}}",
  "{{json.foo x}}",
  "{{json.foo}}",
  "{{./json x}}",
  "{{@json x}}",
  '{{"json" x}}',
  "{{[json] x}}",
  "{{@json}}|{{@json x}}",
  "{{@json}}|{{json x}}",
  "{{#@json}}a{{/@json}}",
  "{{this.if x}}|{{#if t}}if{{/if}}",
  "{{json x foo=1}}|{{json (default nil x) }}|{{lookup}}",
  "{{#each list as |json|}}{{json}}{{json x}};{{/each}}",
  "{{#each list}}{{#each ../list}}{{@index}}{{/each}}|{{/each}}|{{@index}}",
  "{{#with obj}}{{json}}|{{json a}}|{{this.json}}{{/with}}",
  "{{nope x}}",
  "{{nope}}|{{nope.deeper}}",
  "{{#nope}}a{{/nope}}",
  "{{#nope x}}a{{else}}b{{/nope}}",
  "{{#list}}[{{this}}]{{/list}}|{{#t}}yes{{/t}}|{{#f}}no{{else}}else{{/f}}|{{#obj}}{{a}}{{/obj}}",
  '{{log "x"}}',
  "{{helperMissing}}",
  "{{helperMissing x}}",
  "{{blockHelperMissing x}}",
  "{{fn}}|{{fn.length}}",
  "{{upper (lower x)}}|{{default nil missing 'fallback'}}|{{default}}|{{truncate x 5}}",
  '{{date time "YYYY-MM-DD HH:mm:ss.SSS"}}|{{date time "epoch"}}|{{date time}}|{{date missing "YYYY"}}',
  '{{eq n 0}}|{{#if (gt 2 1)}}gt{{/if}}|{{join list " / "}}|{{#each (flatten obj)}}{{@key}}={{this}};{{/each}}',
  "{{cefSeverity 'high'}}|{{slackEmoji 'low'}}|{{teamsText x}}|{{mrkdwn x}}|{{sdParam x}}|{{leef x}}",
  // Prototype properties stay out of reach, as Handlebars keeps them.
  "{{constructor}}|{{constructor.name}}|{{__proto__}}|{{data.__proto__.polluted}}|{{data.constructor}}",
  '{{lookup this "constructor"}}|{{lookup obj "a"}}|{{lookup list 1}}|{{lookup str "length"}}|{{lookup nil "a"}}',
  "{{#with (lookup obj 'b')}}{{c}}{{/with}}|{{toString}}|{{obj.hasOwnProperty}}|{{valueOf}}",
  // Every kind of {{#each}}.
  "{{#each list}}{{@index}}:{{@key}}:{{this}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}},{{else}}empty{{/each}}",
  "{{#each holes}}{{@index}}={{this}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}};{{else}}none{{/each}}",
  "{{#each obj}}{{@key}}={{json this}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}};{{/each}}",
  "{{#each set}}{{@index}}{{this}}{{#if @last}}L{{/if}};{{/each}}|{{#each map}}{{json this}}{{/each}}",
  "{{#each str}}{{this}}{{else}}a string is no list{{/each}}|{{#each n}}x{{else}}zero{{/each}}",
  "{{#each empty}}x{{else}}empty{{/each}}|{{#each missing}}x{{else}}missing{{/each}}|{{#each fn}}{{this}}{{/each}}",
  "{{#each list as |item i|}}{{i}}={{json item}};{{/each}}|{{#each obj as |value key|}}{{key}};{{/each}}",
  "{{#each rows}}{{name}}:{{#each tags}}{{../name}}-{{this}}-{{@../index}}{{else}}none{{/each}};{{/each}}",
  "{{#each rows}}{{#with this}}{{name}}{{#if @first}}F{{/if}}{{/with}}{{/each}}",
  "{{each list}}",
  "{{each empty}}",
  "{{#each}}x{{/each}}",
  "{{#each list}}{{@root.str}}{{/each}}",
  // Blocks, whitespace control, paths.
  "{{#if n}}n{{else if t}}t{{else}}neither{{/if}}|{{#if n includeZero=true}}zero counts{{/if}}",
  "{{#unless f}}not f{{/unless}}|{{^t}}inverse{{else}}t{{/t}}|{{^if f}}not f{{/if}}",
  "{{#with obj}}{{b.c}}|{{../str}}|{{@root.n}}{{/with}}|{{#with nil}}x{{else}}no obj{{/with}}",
  "  {{~x~}}  |{{{x}}}|{{x}}|\\{{x}}",
  "{{#if t}}\n  standalone\n{{/if}}\n",
  "{{this.x}}|{{./x}}|{{[x]}}|{{obj/a}}|{{this}}",
  // Partials and decorators: none are registered, inline ones work.
  "{{> nope}}",
  "{{#> nope}}fallback{{/nope}}",
  '{{#*inline "row"}}<{{name}}>{{/inline}}{{#each rows}}{{> row}}{{/each}}',
];

describe("templates compiled once, with known helpers", () => {
  it.each(TEMPLATES)("render %j exactly as Handlebars does", (source) => {
    const expected = outcome(() => referenceRender(source, CONTEXT));
    const fresh = createTemplateEngine(FORMATS);
    expect(outcome(() => fresh.compile(source)(CONTEXT as never))).toEqual(expected);
    // Twice: the set-up made once serves every render.
    expect(outcome(() => fresh.compile(source)(CONTEXT as never))).toEqual(expected);
  });

  it.each(FORMATS.map((format) => [format.name, format] as const))(
    "render the %s default template exactly as Handlebars does, for every fixture and hostile event",
    (_name, format) => {
      const source = engine.defaultSource(format.name);
      const compiled = engine.compile(source);
      for (const context of formatContexts(format, SAMPLE_EVENTS)) {
        expect(outcome(() => compiled(context))).toEqual(outcome(() => referenceRender(source, context)));
      }
    },
  );

  it("are compiled once and kept by source, found again from a copy of it (as a worker receives it)", () => {
    const source = engine.defaultSource("slack");
    const compiled = engine.compile(source);
    expect(engine.compile(structuredClone(source))).toBe(compiled);
    expect(engine.compile(` ${source}`.slice(1))).toBe(compiled);
    // Another source of the same length is another template.
    const other = engine.compile(source.replace("header", "HEADER"));
    expect(other).not.toBe(compiled);
    expect(engine.compile(source.replace("header", "HEADER"))).toBe(other);
  });
});
