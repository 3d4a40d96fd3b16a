import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { leefFormat } from "../../src/formats/leef";
import { flattenObject, valueText } from "../../src/text";
import { allFixtureEvents } from "../support/fixtures";
import { parseLeef } from "../support/parsers/leef";
import { expectCut, fixtureWith, renderWith } from "../support/render";
import { LARGEST_EVENTS } from "./contract/events";

const DEFAULT_SEVERITY = { info: "1", low: "3", medium: "5", high: "8", critical: "10" };
/** The documented mapping of data fields to predefined LEEF keys (src/formats/leef.ts). */
const STANDARD_KEY_OF_FIELD: Record<string, string> = {
  client_ip: "src",
  remote_ip: "src",
  remote_addr4: "src",
  remote_port: "srcPort",
  account: "usrName",
  asset: "url",
  path: "url",
};
/** Pipes, equals signs, quotes, backslashes, non-ASCII and emoji: LEEF carries them all as they are. */
const HOSTILE = ' a|b\\c=d]e"f ünï 中文 🚨 \\t x=y | ';

const render = (event: HeraldEvent, options: object = {}, source?: string) =>
  renderWith(leefFormat, event, options, source);
const autoBan = (overrides: Partial<HeraldEvent>) => fixtureWith("website-defender-auto-ban", overrides);

const DELIMITERS = [
  { options: {}, version: "2.0", delimiter: "\t" },
  { options: { delimiter: "^" }, version: "2.0", delimiter: "^" },
  { options: { delimiter: "x5E" }, version: "2.0", delimiter: "^" },
  { options: { delimiter: "0x7C" }, version: "2.0", delimiter: "|" },
  { options: { delimiter: "¦" }, version: "2.0", delimiter: "¦" },
  { options: { version: "1.0" }, version: "1.0", delimiter: "\t" },
];
const cases = allFixtureEvents().flatMap(({ name, event }) =>
  DELIMITERS.map((shape) => ({ name, event, ...shape, shown: JSON.stringify(shape.options) })),
);

describe("leef format", () => {
  it.each(cases)("carries $name exactly with $shown", ({ event, options, version, delimiter }) => {
    const rendered = render(event, options);
    expect(rendered.warnings).toEqual([]);
    const leef = parseLeef(rendered.body);
    expect(leef).toMatchObject({
      version,
      vendor: "Herald",
      product: "Herald",
      productVersion: "1.0",
      eventId: event.type,
      delimiter,
    });
    const { devTime, sev, cat, id, title, ...rest } = leef.attributes;
    expect({ devTime, sev, cat, id, title }).toEqual({
      devTime: String(Date.parse(event.time)),
      sev: DEFAULT_SEVERITY[event.severity],
      cat: event.source,
      id: event.id,
      title: event.title,
    });
    const expected: Record<string, string> = {};
    for (const [path, value] of Object.entries(flattenObject(event.data))) {
      expected[STANDARD_KEY_OF_FIELD[path] ?? `data.${path}`] = valueText(value);
    }
    expect(rest).toEqual(expected);
  });

  it("keeps hostile text, nested data, arrays and nulls exact where LEEF can carry them", () => {
    const event = autoBan({
      title: HOSTILE,
      subject: HOSTILE,
      data: {
        client_ip: "2001:db8::1",
        note: HOSTILE,
        nested: { list: [1, null, { deep: "x=y" }], empty: {} },
      },
    });
    const rendered = render(event);
    expect(rendered.warnings).toEqual([]);
    expect(parseLeef(rendered.body).attributes).toMatchObject({
      src: "2001:db8::1",
      title: HOSTILE,
      subject: HOSTILE,
      "data.note": HOSTILE,
      "data.nested.list.0": "1",
      "data.nested.list.1": "",
      "data.nested.list.2.deep": "x=y",
      "data.nested.empty": "{}",
    });
  });

  it("replaces the delimiter and line breaks in values, and | in the header, with a warning", () => {
    const event = autoBan({ type: "odd|type\nx", title: "tab\there^caret\nline\rreturn" });
    const tab = render(event);
    const parsed = parseLeef(tab.body);
    expect(parsed.eventId).toBe("odd type x");
    expect(parsed.attributes.title).toBe("tab here^caret line return");
    expect(tab.warnings).toEqual([
      'LEEF header: separators became spaces in "odd|type\\nx"',
      'LEEF value: separators became spaces in "tab\\there^caret\\nline\\rreturn"',
    ]);
    expect(parseLeef(render(event, { delimiter: "^" }).body).attributes.title).toBe(
      "tab\there caret line return",
    );
  });

  it("writes keys without whitespace, = or the delimiter, with a warning", () => {
    const rendered = render(autoBan({ data: { "my key": 1, "a=b": 2, "c\td": 3, "e^f": 4 } }), {
      delimiter: "^",
    });
    expect(parseLeef(rendered.body).attributes).toMatchObject({
      "data.my_key": "1",
      "data.a_b": "2",
      "data.c_d": "3",
      "data.e_f": "4",
    });
    expect(rendered.warnings).toHaveLength(4);
    expect(rendered.warnings[0]).toBe('LEEF key "data.my key" written as "data.my_key"');
  });

  it("carries 10 KB values whole, and cuts usrName and the EventID to 255 characters with a warning", () => {
    const long = "🚨|=x".repeat(2560);
    const rendered = render(autoBan({ type: long, title: long, data: { account: long, note: long } }));
    const leef = parseLeef(rendered.body);
    expect(leef.attributes.title).toBe(long);
    expect(leef.attributes["data.note"]).toBe(long);
    expectCut(leef.attributes.usrName, long, 255);
    expect(rendered.warnings).toEqual([
      "usrName (data.account): cut to 255 characters",
      expect.stringMatching(/^LEEF header: separators became spaces in "🚨\|=x🚨/),
      "LEEF EventID: cut to 255 characters",
    ]);
    expectCut(leef.eventId, long.replaceAll("|", " "), 255);
  });

  it.each(LARGEST_EVENTS)("carries every data field of an event with $name", ({ event }) => {
    const { attributes } = parseLeef(render(event).body);
    const missing = Object.keys(flattenObject(event.data)).filter((path) => !(`data.${path}` in attributes));
    expect(missing).toEqual([]);
  });

  it("maps severities through severity_map", () => {
    expect(parseLeef(render(autoBan({}), { severity_map: { high: 9 } }).body).attributes.sev).toBe("9");
  });
});

describe("leef options", () => {
  it("take a delimiter as one character or its hex code", () => {
    expect(leefFormat.optionsSchema.parse({ delimiter: "x09" }).delimiter).toBe("\t");
    expect(leefFormat.optionsSchema.parse({ delimiter: "0x5e" }).delimiter).toBe("^");
    expect(leefFormat.optionsSchema.parse({}).delimiter).toBe("\t");
  });
});

describe("leef templates", () => {
  const event = autoBan({ title: "x^y" });

  it.each([
    ["a value holding the delimiter", "LEEF:2.0|V|P|1|E|^|a={{title}}", /not key=value/],
    ["a key with a space", "LEEF:1.0|V|P|1|E|my key={{leef title}}", /not key=value/],
    ["too few header fields", "LEEF:2.0|V|P|1|E", /header has 6 fields/],
    ["a bad delimiter field", "LEEF:2.0|V|P|1|E|^^|a=1", /delimiter field/],
    ["two lines", "LEEF:1.0|V|P|1|E|a=1\nb=2", /more than one line/],
    ["something else", "{{title}}", /starts with "LEEF:2.0\|"/],
  ])("that produce %s fail with FormatError", (_, source, message) => {
    expect(() => render(event, { delimiter: "^" }, source)).toThrow(
      expect.objectContaining({ name: "FormatError", message: expect.stringMatching(message) }),
    );
  });

  it("that produce a valid line pass, a final line break dropped", () => {
    const source = "LEEF:1.0|V|P|1|{{leefHeader type}}|sev={{leefSeverity severity}}\tt={{leef title}}\n";
    expect(render(event, {}, source).body).toBe("LEEF:1.0|V|P|1|auto_ban|sev=8\tt=x^y");
  });
});

describe("the strict LEEF parser the tests rely on", () => {
  it.each([
    ["LEEF:3.0|V|P|1|E|a=1"],
    ["LEEF:2.0|V|P|1|E|^^|a=1"],
    ["LEEF:2.0|V|P|1|E|^|a=1^b"],
    ["LEEF:1.0|V|P|1|E|a b=1"],
    ["LEEF:1.0|V|P|1|E|a=1\ta=2"],
    ["LEEF:1.0|V|P|1|E"],
  ])("rejects %j", (line) => {
    expect(() => parseLeef(line)).toThrow();
  });

  it("reads hex delimiters and splits attributes at their first =", () => {
    expect(parseLeef("LEEF:2.0|V|P|1|E|0x5e|a=1=2^b=|^").attributes).toEqual({ a: "1=2", b: "|" });
  });
});
