import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { cefFormat } from "../../src/formats/cef";
import { flattenObject, valueText } from "../../src/text";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { parseCef } from "../support/parsers/cef";
import { engine, expectCut, fixtureWith, renderWith } from "../support/render";

const DEFAULT_SEVERITY = { info: "1", low: "3", medium: "5", high: "8", critical: "10" };
/** The documented mapping of data fields to standard CEF keys (src/formats/cef.ts). */
const STANDARD_KEY_OF_FIELD: Record<string, string> = {
  client_ip: "src",
  remote_ip: "src",
  remote_addr4: "src",
  remote_port: "spt",
  domain: "dhost",
  account: "suser",
  asset: "request",
  path: "request",
  method: "requestMethod",
  block_status: "act",
  reason: "reason",
};
/** Characters CEF escapes or forbids, line breaks, non-ASCII and emoji. */
const HOSTILE = ' a|b\\c=d]e"f\ng\rh ünï 中文 🚨 \\n \\= =x act=allow | ';

const render = (event: HeraldEvent, options: object = {}, source?: string) =>
  renderWith(cefFormat, event, options, source);
const autoBan = (overrides: Partial<HeraldEvent>) => fixtureWith("website-defender-auto-ban", overrides);

/** The custom fields an extension carries, by label: cs1…cs6 with their labels, or msg's JSON. */
function customFields(extension: Record<string, string>): Record<string, string> {
  const fields: Record<string, unknown> = extension.msg ? JSON.parse(extension.msg) : {};
  for (let n = 1; n <= 6; n++) {
    const label = extension[`cs${n}Label`];
    if (label !== undefined) fields[label] = extension[`cs${n}`];
  }
  return Object.fromEntries(Object.entries(fields).map(([label, value]) => [label, valueText(value)]));
}

describe("cef format", () => {
  it.each(allFixtureEvents())("carries $name exactly through a strict CEF parser", ({ event }) => {
    const rendered = render(event);
    expect(rendered.warnings).toEqual([]);
    const cef = parseCef(rendered.body);
    expect(cef).toMatchObject({
      version: "0",
      vendor: "Herald",
      product: "Herald",
      deviceVersion: "1.0",
      classId: event.type,
      name: event.title,
      severity: DEFAULT_SEVERITY[event.severity],
    });
    const { rt, externalId, sourceServiceName } = cef.extension;
    expect({ rt, externalId, sourceServiceName }).toEqual({
      rt: String(Date.parse(event.time)),
      externalId: event.id,
      sourceServiceName: event.source,
    });

    // Every data field is either in its standard key or a custom field labelled with its path.
    const custom = customFields(cef.extension);
    for (const [path, value] of Object.entries(flattenObject(event.data))) {
      const standardKey = STANDARD_KEY_OF_FIELD[path];
      if (standardKey) expect(cef.extension[standardKey]).toBe(valueText(value));
      else expect(custom[`data.${path}`]).toBe(valueText(value));
    }
    const dataFieldCount = Object.keys(flattenObject(event.data)).length;
    const standardCount = Object.keys(event.data).filter((field) => STANDARD_KEY_OF_FIELD[field]).length;
    expect(Object.keys(custom)).toHaveLength(dataFieldCount - standardCount);
  });

  it("puts more than six custom fields into msg as JSON, keeping types and nulls", () => {
    const cef = parseCef(render(fixtureEvent("wallarm-hit-sqli")).body);
    expect(cef.extension.cs1).toBeUndefined();
    const msg = JSON.parse(cef.extension.msg ?? "");
    expect(msg["data.remote_country"]).toBeNull();
    expect(msg["data.anomality"]).toBe(0.9806949806949808);
    expect(msg["data.payloads.0"]).toBe("'or 1=1--");
    expect(msg["data.regex"]).toBe("[]");
  });

  it("maps an IPv6 client address to a custom field, since src holds IPv4", () => {
    const cef = parseCef(render(autoBan({ data: { client_ip: "2001:db8::1" } })).body);
    expect(cef.extension.src).toBeUndefined();
    expect(customFields(cef.extension)).toEqual({ "data.client_ip": "2001:db8::1" });
  });

  it("keeps hostile text exact in the extension, and replaces line breaks in the header with a warning", () => {
    const event = autoBan({
      type: `type|${HOSTILE}`,
      title: HOSTILE,
      subject: HOSTILE,
      data: { reason: HOSTILE, note: HOSTILE, nested: { list: [1, null, { deep: "x=y" }] } },
    });
    const rendered = render(event);
    const cef = parseCef(rendered.body);
    expect(cef.name).toBe(HOSTILE.replace(/[\r\n]/g, " "));
    expect(cef.classId).toBe(`type|${HOSTILE}`.replace(/[\r\n]/g, " "));
    expect(rendered.warnings).toHaveLength(2); // the type and the title
    for (const warning of rendered.warnings)
      expect(warning).toMatch(/^CEF header: line breaks became spaces/);
    expect(cef.extension.reason).toBe(HOSTILE);
    expect(customFields(cef.extension)).toEqual({
      subject: HOSTILE,
      "data.note": HOSTILE,
      "data.nested.list.0": "1",
      "data.nested.list.1": "",
      "data.nested.list.2.deep": "x=y",
    });
  });

  it("cuts 10 KB values to CEF's lengths, with a warning for each, and stays parseable", () => {
    const long = `${"🚨=|\\x".repeat(2048)}`;
    const rendered = render(autoBan({ title: long, id: long, data: { reason: long, note: long } }));
    const cef = parseCef(rendered.body);
    expectCut(cef.name, long, 512);
    expectCut(cef.extension.externalId, long, 40);
    expectCut(cef.extension.reason, long, 1023);
    expectCut(cef.extension.cs1, long, 4000);
    expect(rendered.warnings).toEqual(
      expect.arrayContaining([
        "CEF Name: cut to 512 characters",
        "externalId (id): cut to 40 characters",
        "reason (data.reason): cut to 1023 characters",
        "cs1 (data.note): cut to 4000 characters",
      ]),
    );
  });

  it("cuts msg at 1023 characters with a warning when the custom fields do not fit", () => {
    const data = Object.fromEntries(Array.from({ length: 7 }, (_, n) => [`field${n}`, "x".repeat(300)]));
    const rendered = render(autoBan({ data }));
    const fields = JSON.stringify(Object.fromEntries(Object.entries(data).map(([k, v]) => [`data.${k}`, v])));
    expectCut(parseCef(rendered.body).extension.msg, fields, 1023);
    expect(rendered.warnings).toEqual(["msg (fields beyond cs1–cs6): cut to 1023 characters"]);
  });

  it("maps severities through severity_map, defaults filling the rest", () => {
    const options = cefFormat.optionsSchema.parse({ severity_map: { high: 7 } });
    expect(options.severity_map).toEqual({ info: 1, low: 3, medium: 5, high: 7, critical: 10 });
    expect(parseCef(render(autoBan({}), { severity_map: { high: 7 } }).body).severity).toBe("7");
  });

  it("writes the device fields from the options", () => {
    const cef = parseCef(
      render(autoBan({}), { device_vendor: "ACME|Sec", device_product: "Gate\\way", device_version: "2.1" })
        .body,
    );
    expect(cef).toMatchObject({ vendor: "ACME|Sec", product: "Gate\\way", deviceVersion: "2.1" });
  });
});

describe("cef templates", () => {
  const event = autoBan({ title: "a|b=c" });

  it.each([
    ["an unescaped pipe in the header", "CEF:0|V|P|1|{{type}}|{{title}}|5|", /severity/],
    ["an unescaped = in a value", "CEF:0|V|P|1|t|n|5|msg={{title}}", /unescaped "="|invalid key/],
    ["a key that is not alphanumeric", "CEF:0|V|P|1|t|n|5|my-key={{cef title}}", /invalid key/],
    ["a backslash that escapes nothing", "CEF:0|V|P|1|t|C:\\temp|5|", /not a CEF escape/],
    ["two lines", "CEF:0|V|P|1|t|n|5|msg=a\nCEF:0|V|P|1|t|n|5|", /more than one line/],
    ["too few header fields", "CEF:0|V|P|1|t|5|", /7 "\|" separators/],
    ["something else", "{{title}}", /separators|CEF:0/],
    ["a severity off the scale", "CEF:0|V|P|1|t|n|{{cefSeverity 'urgent'}}|", /severity/],
  ])("that produces %s fail with FormatError", (_, source, message) => {
    expect(() => render(event, {}, source)).toThrow(
      expect.objectContaining({ name: "FormatError", message: expect.stringMatching(message) }),
    );
  });

  it("that produce a valid line are checked and cut to the header limits", () => {
    const source =
      "CEF:0|{{cefHeader title}}|P|1|{{cefHeader type}}|n|{{cefSeverity severity}}|cs6={{cef title}}\n";
    const title = "v|".repeat(50);
    const rendered = render(autoBan({ title }), {}, source);
    const cef = parseCef(rendered.body);
    expectCut(cef.vendor, title, 63);
    expect(cef.extension).toEqual({ cs6: title });
    expect(rendered.warnings).toEqual(["CEF Device Vendor: cut to 63 characters"]);
  });

  it("helpers escape values and headers and map severities", () => {
    const template = engine.compile("{{cef value}}#{{cefHeader value}}#{{cefSeverity severity}}");
    const context = { value: 'a|b\\c=d\r\ne"', severity: "medium", options: { severity_map: { medium: 6 } } };
    expect(template(context as never)).toBe('a|b\\\\c\\=d\\r\\ne"#a\\|b\\\\c=d  e"#6');
  });
});

describe("the strict CEF parser the tests rely on", () => {
  it.each([
    ["CEF:0|V|P|1|t|n|5|k=a=b"],
    ["CEF:0|V|P|1|t|n|5|k-1=a"],
    ["CEF:0|V|P|1|t|n|5|k=a\\x"],
    ["CEF:0|V|P|1|t|n\\x|5|"],
    ["CEF:0|V|P|1|t|n|11|"],
    ["CEF:0|V|P|1|t|n|5|k=a k=b"],
    ["CEF:0|V|P|1|t|5|"],
    ["CEF:0|V|P|1|t|n|5|k=a\nb"],
  ])("rejects %j", (line) => {
    expect(() => parseCef(line)).toThrow();
  });

  it("reads escapes and values with spaces", () => {
    expect(parseCef("CEF:0|V\\|x|P|1|t|n|5|a=x y\\=z\\\\ b=\\n|").extension).toEqual({
      a: "x y=z\\",
      b: "\n|",
    });
  });
});
