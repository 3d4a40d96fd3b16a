import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { type SplunkHecOptions, splunkHecFormat } from "../../src/formats/splunk-hec";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { renderEvents } from "../support/render";
import { LARGEST_EVENTS } from "./contract/events";
import { parseBatch } from "./contract/splunk-hec";

const render = (events: HeraldEvent[], options: Partial<SplunkHecOptions> = {}, source?: string) =>
  renderEvents(splunkHecFormat, events, options, source);

const payload = (event: HeraldEvent) => ({
  id: event.id,
  event_type: event.type,
  severity: event.severity,
  source: event.source,
  title: event.title,
  subject: event.subject,
  time: event.time,
  data: event.data,
});

/** The fixtures' times as epoch seconds, worked out by hand from their ISO times. */
const FIXTURE_TIMES: Record<string, number> = {
  "mailserver-auth-failed": 1687359300, // 2023-06-21T14:55:00Z
  "pentest-critical-finding": 1772466309.123, // 2026-03-02T16:45:09.123+01:00
  "wallarm-hit-sqli": 1591261367, // 2020-06-04T09:02:47Z
  "wallarm-vulnerability": 1795435200, // no time: received 2026-11-23T12:00:00Z
  "website-defender-auto-ban": 1771583400, // 2026-02-20T10:30:00Z
  "website-defender-brute-force": 1771583472.25, // 2026-02-20T10:31:12.250Z
};

const HOSTILE = {
  separators: `| \\ = ] " < > &`,
  braces: '"}\n{"time": 0} }{',
  channel: "<!channel>",
  link: "<https://evil.example|click>",
  newlines: "one\ntwo\r\nthree\rfour",
  unicode: "Ünïcødé 日本語 🚨🔥 \u200b\u2028\u2029",
  control: "\u0000\u0001\u001f\u007f",
  long: "x".repeat(10 * 1024),
  nested: { list: [null, { deep: [1.5, 0, true] }], empty: {}, none: null },
  many: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key_${i}`, i])),
};

describe("splunk_hec format", () => {
  it("sends every fixture in one request as HEC events one after another, times exact to the millisecond", () => {
    const fixtures = allFixtureEvents();
    const rendered = render(fixtures.map(({ event }) => event));
    expect(rendered.warnings).toEqual([]);
    expect(rendered.body.split("\n")).toHaveLength(fixtures.length);

    const sent = parseBatch(rendered.body);
    expect(sent).toEqual(
      fixtures.map(({ name, event }) => ({
        time: FIXTURE_TIMES[name],
        host: "herald",
        source: event.source,
        sourcetype: "herald:event",
        event: payload(event),
      })),
    );
    for (const hecEvent of sent)
      expect(Object.keys(hecEvent)).toEqual(["time", "host", "source", "sourcetype", "event"]);
    expect(rendered.body).toContain('{"time":1772466309.123,');
    expect(rendered.body).toContain('{"time":1771583472.25,');
  });

  it("sets index, fields, host, source and sourcetype from the options", () => {
    const event = fixtureEvent("website-defender-auto-ban");
    const options = {
      index: "security_events",
      fields: { environment: "prod", "herald.tenant": 'acme <&> "corp"' },
      host: "herald-01.example",
      source: "herald:website-defender",
      sourcetype: "_json",
    };
    const [sent] = parseBatch(render([event], options).body);
    expect(sent).toEqual({
      time: 1771583400,
      host: "herald-01.example",
      source: "herald:website-defender",
      sourcetype: "_json",
      index: "security_events",
      fields: options.fields,
      event: payload(event),
    });
  });

  it("keeps hostile values, 10 KB strings and 500-key objects exactly as sent", () => {
    const events = [
      { ...fixtureEvent("wallarm-hit-sqli"), title: `<!channel> "}{" \\`, data: HOSTILE },
      {
        ...fixtureEvent("website-defender-auto-ban"),
        source: "a\nb\u2028c",
        data: { ...HOSTILE, extra: "🚨" },
      },
    ];
    const rendered = render(events);
    expect(rendered.warnings).toEqual([]);
    expect(parseBatch(rendered.body).map((sent) => sent.event)).toEqual(events.map(payload));
    expect(parseBatch(rendered.body)[1]?.source).toBe("a\nb\u2028c");
  });

  it.each(LARGEST_EVENTS)("carries the data of an event with $name whole", ({ event }) => {
    expect(parseBatch(render([event]).body)[0]?.event.data).toEqual(event.data);
  });

  it("takes a template that reshapes the event, or sends a string event", () => {
    const event = fixtureEvent("mailserver-auth-failed");
    const flat = `{"account": {{json data.account}}, "ip": {{json data.remote_ip}} }`;
    expect(parseBatch(render([event], {}, flat).body)[0]?.event).toEqual({
      account: "alice",
      ip: "198.51.100.23",
    });
    const line = `{{json title}}`;
    expect(JSON.parse(render([event], {}, line).body).event).toBe(event.title);
  });

  it("refuses what HEC could not take", () => {
    const event = fixtureEvent("website-defender-auto-ban");
    expect(() => render([event], {}, `{"title": {{title}} }`)).toThrow(/valid JSON/);
    for (const template of [`[{{json title}}]`, "null", `""`, "42"]) {
      expect(() => render([event], {}, template)).toThrow(/JSON object or a non-empty string/);
    }
  });
});
