import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { MAX_DATA_DEPTH, MAX_DATA_KEYS, MAX_EVENT_BYTES } from "../../src/events/limits";
import { formatBatchSize } from "../../src/formats/batch";
import type { Format } from "../../src/formats/format";
import { FORMATS } from "../../src/formats/registry";
import { BUILTIN_TEMPLATES_DIR } from "../../src/templates/handlebars";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { engine, renderEvents } from "../support/render";
import { batchOf, HOSTILE_EVENTS, LARGEST_EVENTS } from "./contract/events";
import type { ContractRow, RejectedOptions } from "./contract/row";
import { ROWS } from "./contract/rows";

/*
 * The format contract: what every registered format (src/formats/registry.ts) must do, checked
 * against its row in test/formats/contract/rows.ts. A format's own behaviour (its mappings,
 * cuts, escaping rules, template errors) is tested in test/formats/<format>.test.ts.
 *
 * Golden files: test/formats/golden/<format>/<fixture>.<ext> hold, byte for byte, the body each
 * format renders for the fixtures in GOLDEN_FIXTURES. After a deliberate change to what a format
 * renders, rewrite them with
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/formats/contract.test.ts
 *
 * and read every changed file before keeping it: each is exactly what the receiver gets.
 */
const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === "1";
const GOLDEN_DIR = join(import.meta.dirname, "golden");
const GOLDEN_FIXTURES = ["wallarm-hit-sqli", "website-defender-auto-ban"];

function rowOf(format: Format<never>): ContractRow {
  const row = ROWS[format.name];
  if (!row) throw new Error(`the ${format.name} format has no row in test/formats/contract/rows.ts`);
  return row;
}

/** Renders `events` in one body with the row's options, and reads it as the receiver would. */
function deliver(format: Format<never>, events: HeraldEvent[]) {
  const row = rowOf(format);
  const rendered = renderEvents(format, events, row.options);
  expect(rendered.contentType).toBe(row.contentType);
  // A lone surrogate cannot be sent as UTF-8: it would arrive as U+FFFD.
  expect(rendered.body.isWellFormed(), "the body is well-formed Unicode").toBe(true);
  const found = row.receiverParses(rendered.body);
  expect(found.map((event) => event.id)).toEqual(events.map((event) => (row.carriesId ? event.id : null)));
  return { ...rendered, found };
}

describe("the format contract", () => {
  it("has a row for every registered format, and none for a format that is not registered", () => {
    expect(Object.keys(ROWS).sort()).toEqual(FORMATS.map((format) => format.name).sort());
  });

  it("renders, as hostile events, the largest events Herald accepts: one at each of its limits", () => {
    const [widest, deepest, longest] = LARGEST_EVENTS.map(({ event }) => event);
    expect(Buffer.byteLength(JSON.stringify(widest))).toBeGreaterThan(0.95 * MAX_EVENT_BYTES);
    expect(Object.keys(widest?.data ?? {})).toHaveLength(MAX_DATA_KEYS);
    expect(JSON.stringify(deepest?.data).match(/\{/g)).toHaveLength(MAX_DATA_DEPTH);
    expect(String(longest?.data.summary).length).toBe(900 * 1024);
  });
});

describe.each(FORMATS.map((format) => ({ name: format.name, format })))("the $name format", ({ format }) => {
  const row = ROWS[format.name];

  it("has a default template, templates/<name>.hbs, that compiles", () => {
    const file = join(BUILTIN_TEMPLATES_DIR, `${format.name}.hbs`);
    expect(existsSync(file), file).toBe(true);
    expect(engine.defaultSource(format.name)).toBe(readFileSync(file, "utf8"));
    expect(() => engine.compile(readFileSync(file, "utf8"))).not.toThrow();
  });

  it("declares the content type its receiver is sent, and takes the row's options", () => {
    expect(format.contentType).toBe(rowOf(format).contentType);
    expect(format.optionsSchema.safeParse(rowOf(format).options).error).toBeUndefined();
  });

  it.each(allFixtureEvents())("renders the fixture $name as its receiver takes it", ({ event }) => {
    const { found } = deliver(format, [event]);
    expect(found.map(({ title }) => title)).toEqual([event.title]);
  });

  it.each([...HOSTILE_EVENTS, ...LARGEST_EVENTS])(
    "renders an event with $name as its receiver still takes it",
    ({ event }) => {
      const { found } = deliver(format, [event]);
      expect(found[0]?.title).not.toBe("");
    },
  );

  const unknownOption: RejectedOptions = [
    { ...row?.options, herald_unknown_option: 1 },
    [],
    /herald_unknown_option/,
  ];
  it.each([...(row?.rejectedOptions ?? []), unknownOption])(
    "refuses the options %j, naming %j",
    (options, path, message) => {
      const issues = format.optionsSchema.safeParse(options).error?.issues ?? [];
      expect(issues).toContainEqual(
        expect.objectContaining({ path, message: expect.stringMatching(message) }),
      );
    },
  );

  const max = formatBatchSize(format);
  it(`renders 1 and ${max} event(s) in one body its receiver takes, and refuses 0 and ${max + 1}`, () => {
    deliver(format, batchOf(1));
    if (max > 1) deliver(format, batchOf(max));
    const takes = max === 1 ? "one event per request" : `1 to ${max} events per request`;
    for (const count of [0, max + 1]) {
      expect(() => renderEvents(format, batchOf(count), rowOf(format).options)).toThrow(
        expect.objectContaining({ name: "FormatError", message: expect.stringContaining(`takes ${takes}`) }),
      );
    }
  });

  it.each(GOLDEN_FIXTURES)("renders %s exactly as its golden file", (name) => {
    const { body } = deliver(format, [fixtureEvent(name)]);
    const file = join(GOLDEN_DIR, format.name, `${name}.${rowOf(format).goldenExtension}`);
    if (UPDATE_GOLDEN) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
    }
    expect(existsSync(file), `${file} is missing: write it with UPDATE_GOLDEN=1`).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(body);
  });
});
