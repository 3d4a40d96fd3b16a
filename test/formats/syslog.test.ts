import { describe, expect, it } from "vitest";
import { syslogEnvelope } from "../../src/destinations/syslog/envelope";
import type { HeraldEvent } from "../../src/events/event";
import { cefFormat } from "../../src/formats/cef";
import { syslogFormat } from "../../src/formats/syslog";
import { flattenObject, valueText } from "../../src/text";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { parseCef } from "../support/parsers/cef";
import { parseRfc5424 } from "../support/parsers/rfc5424";
import { fixtureWith, renderWith } from "../support/render";

/** RFC 5424 table 2 codes for Herald's scale. */
const SYSLOG_SEVERITY = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };
const LOCAL0 = 16;
/** What structured data escapes (" \ ]), what it forbids in names, line breaks, non-ASCII and emoji. */
const HOSTILE = ' a]b"c\\d=e [x@1 y="z"] f\ng\rh ünï 中文 🚨 \\] ';

const render = (event: HeraldEvent, options: object = {}, source?: string) =>
  renderWith(syslogFormat, event, options, source);
const autoBan = (overrides: Partial<HeraldEvent>) => fixtureWith("website-defender-auto-ban", overrides);

/** The params of the message's one SD-ELEMENT, which must be herald@32473 unless named. */
function params(body: string, sdId = "herald@32473"): Record<string, string> {
  const { structuredData } = parseRfc5424(body);
  expect(structuredData.map((element) => element.id)).toEqual([sdId]);
  return Object.fromEntries(structuredData[0]?.params ?? []);
}

describe("syslog format", () => {
  it.each(allFixtureEvents())("carries $name exactly through a strict RFC 5424 parser", ({ event }) => {
    const rendered = render(event);
    expect(rendered.warnings).toEqual([]);
    const message = parseRfc5424(rendered.body);
    expect(message).toMatchObject({
      facility: LOCAL0,
      severity: SYSLOG_SEVERITY[event.severity],
      timestamp: event.time,
      hostname: "herald",
      appName: "herald",
      procId: null,
      msgId: event.type,
      bom: false,
      msg: event.title,
    });
    const expected = [
      ["id", event.id],
      ["type", event.type],
      ["source", event.source],
      ["severity", event.severity],
      ...Object.entries(flattenObject(event.data)).map(([path, value]) => [`data.${path}`, valueText(value)]),
    ];
    expect(message.structuredData).toEqual([{ id: "herald@32473", params: expected }]);
  });

  it("keeps hostile text exact in MSG and in PARAM-VALUEs, nested data and nulls included", () => {
    const event = autoBan({
      title: HOSTILE,
      subject: HOSTILE,
      data: { note: HOSTILE, nested: { list: [1, null, { deep: "x=y" }], empty: {} }, none: null },
    });
    const rendered = render(event);
    expect(rendered.warnings).toEqual([]);
    expect(parseRfc5424(rendered.body).msg).toBe(HOSTILE);
    expect(params(rendered.body)).toMatchObject({
      subject: HOSTILE,
      "data.note": HOSTILE,
      "data.nested.list.0": "1",
      "data.nested.list.1": "",
      "data.nested.list.2.deep": "x=y",
      "data.nested.empty": "{}",
      "data.none": "",
    });
  });

  it("carries 10 KB values whole", () => {
    const long = '🚨"]\\x'.repeat(2048);
    const rendered = render(autoBan({ title: long, data: { note: long } }));
    expect(rendered.warnings).toEqual([]);
    expect(parseRfc5424(rendered.body).msg).toBe(long);
    expect(params(rendered.body)["data.note"]).toBe(long);
  });

  it('makes PARAM-NAMEs valid (printable, no = space ] ", 32 characters) with a warning', () => {
    const data = { "a b": 1, "c=d": 2, "e]f": 3, 'g"h': 4, "ünï🚨": 5, ["k".repeat(40)]: 6 };
    const rendered = render(autoBan({ data }));
    expect(params(rendered.body)).toMatchObject({
      "data.a_b": "1",
      "data.c_d": "2",
      "data.e_f": "3",
      "data.g_h": "4",
      "data._n__": "5", // ü n ï 🚨, one "_" for each character but the ASCII n
      [`data.${"k".repeat(27)}`]: "6",
    });
    expect(rendered.warnings).toHaveLength(6);
    expect(rendered.warnings[0]).toBe('SD-PARAM name "data.a b" written as "data.a_b"');
  });

  it("makes MSGID of the event type printable and 32 characters, with a warning; the type param stays exact", () => {
    const type = `auth failed ünï ${"x".repeat(40)}`;
    const rendered = render(autoBan({ type }));
    expect(parseRfc5424(rendered.body).msgId).toBe(`auth_failed__n__${"x".repeat(16)}`);
    expect(params(rendered.body).type).toBe(type);
    expect(rendered.warnings).toEqual([expect.stringMatching(/^MSGID \(event type\) "auth failed/)]);
  });

  it("writes the header fields, facility, SD-ID and BOM from the options", () => {
    const rendered = render(autoBan({ title: "ünï 🚨" }), {
      facility: "auth",
      hostname: "gw1.example.org",
      app_name: "herald-gw",
      procid: "4242",
      msgid: "HERALD",
      sd_name: "events",
      enterprise_number: 99999,
      bom: true,
    });
    expect(parseRfc5424(rendered.body)).toMatchObject({
      facility: 4,
      severity: 3,
      hostname: "gw1.example.org",
      appName: "herald-gw",
      procId: "4242",
      msgId: "HERALD",
      bom: true,
      msg: "ünï 🚨",
    });
    expect(params(rendered.body, "events@99999").id).toBe("wd-2026-02-20-000123");
    expect(parseRfc5424(render(autoBan({}), { facility: 23 }).body).prival).toBe(23 * 8 + 3);
  });

  it("leaves MSG out when the template renders nothing", () => {
    const message = parseRfc5424(render(autoBan({}), {}, "").body);
    expect(message.msg).toBeNull();
  });

  it("keeps whatever a template writes as MSG: it cannot break the envelope", () => {
    const source = '] [fake@1 a="b"] <13>1 - - - - -\n{{sdParam title}} {{syslogSeverity severity}}';
    const message = parseRfc5424(render(autoBan({ title: 'q"]' }), {}, source).body);
    expect(message.msg).toBe('] [fake@1 a="b"] <13>1 - - - - -\nq\\"\\] 3');
    expect(message.structuredData).toHaveLength(1);
  });
});

describe("syslog options", () => {
  it("default to local0, herald, and the IANA example enterprise number", () => {
    expect(syslogFormat.optionsSchema.parse({})).toEqual({
      facility: LOCAL0,
      hostname: "herald",
      app_name: "herald",
      sd_name: "herald",
      enterprise_number: 32473,
      bom: false,
    });
  });
});

describe("syslog envelope", () => {
  const event = fixtureEvent("website-defender-auto-ban");
  const options = syslogFormat.optionsSchema.parse({ procid: "7" });
  const cefLine = renderWith(cefFormat, event).body;

  it("wraps a CEF line as the MSG of an RFC 5424 message without structured data", () => {
    const { message, warnings } = syslogEnvelope(event, cefLine, options, { rfc: "5424" });
    expect(warnings).toEqual([]);
    const parsed = parseRfc5424(message);
    expect(parsed).toMatchObject({ structuredData: [], procId: "7", msgId: "auto_ban", msg: cefLine });
    expect(parseCef(parsed.msg ?? "").name).toBe(event.title);
  });

  it("wraps a CEF line as an RFC 3164 message", () => {
    const { message, warnings } = syslogEnvelope(event, cefLine, options, { rfc: "3164" });
    expect(warnings).toEqual([]);
    // <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG
    const parts =
      /^<(\d{1,3})>([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (\S+) ([A-Za-z0-9_-]{1,32})\[7\]: (.*)$/s.exec(
        message,
      );
    expect(parts?.slice(1)).toEqual(["131", "Feb 20 10:30:00", "herald", "herald", cefLine]);
  });

  it("cuts an RFC 3164 TAG to 32 characters with a warning", () => {
    const longName = syslogFormat.optionsSchema.parse({ app_name: "a".repeat(40) });
    const { message, warnings } = syslogEnvelope(event, "x", longName, { rfc: "3164" });
    expect(message).toBe(`<131>Feb 20 10:30:00 herald ${"a".repeat(32)}: x`);
    expect(warnings).toEqual([expect.stringMatching(/^TAG \(app_name\)/)]);
  });
});

describe("the strict RFC 5424 parser the tests rely on", () => {
  it.each([
    ["<192>1 - - - - - -"],
    ["<13>2 - - - - - -"],
    ["<013>1 - - - - - -"],
    ["<13>1 2026-02-30T10:00:00Z - - - - -"],
    ["<13>1 2026-02-20T10:00:00.1234567Z - - - - -"],
    ["<13>1 2026-02-20t10:00:00Z - - - - -"],
    [`<13>1 - ${"h".repeat(256)} - - - -`],
    [`<13>1 - - ${"a".repeat(49)} - - -`],
    [`<13>1 - - - - ${"m".repeat(33)} -`],
    ["<13>1 - host\u00e9 - - - -"],
    ["<13>1 - - - - - [x]"],
    ['<13>1 - - - - - [x@1 a="]"]'],
    ['<13>1 - - - - - [x@1 a="b"][x@1 c="d"]'],
    ['<13>1 - - - - - [x@1 a="b" ]'],
    ["<13>1 - - - - -  "],
  ])("rejects %j", (message) => {
    expect(() => parseRfc5424(message)).toThrow();
  });

  it("reads escapes, keeps other backslashes, and recognises the BOM", () => {
    const message = parseRfc5424('<13>1 - - - - - [x@1 a="\\"\\\\\\]\\n"][meta b=""] \uFEFFhi');
    expect(message.structuredData).toEqual([
      { id: "x@1", params: [["a", '"\\]\\n']] },
      { id: "meta", params: [["b", ""]] },
    ]);
    expect(message).toMatchObject({ bom: true, msg: "hi" });
  });
});
