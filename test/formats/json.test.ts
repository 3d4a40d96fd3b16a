import { describe, expect, it } from "vitest";
import { jsonFormat } from "../../src/formats/json";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { engine, renderWith } from "../support/render";
import { LARGEST_EVENTS } from "./contract/events";

const render = (eventName: string, template?: string) =>
  renderWith(jsonFormat, fixtureEvent(eventName), {}, template);

describe("json format", () => {
  it.each(allFixtureEvents())("renders $name as the generic JSON object", ({ event }) => {
    expect(JSON.parse(renderWith(jsonFormat, event).body)).toEqual({
      id: event.id,
      event_type: event.type,
      severity: event.severity,
      source: event.source,
      title: event.title,
      time: event.time,
      data: event.data,
    });
  });

  it.each(LARGEST_EVENTS)("carries the data of an event with $name whole", ({ event }) => {
    expect(JSON.parse(renderWith(jsonFormat, event).body).data).toEqual(event.data);
  });

  it("reshapes an event into Website Defender's flat payload with a template override", () => {
    const flat = `{"event_type": {{json type}}, "client_ip": {{json data.client_ip}}, "reason": {{json data.reason}},
      "banned_for": {{json data.banned_for}}, "timestamp": {{json time}} }`;
    expect(JSON.parse(render("website-defender-auto-ban", flat).body)).toEqual({
      event_type: "auto_ban",
      client_ip: "192.168.1.100",
      reason: "excessive 4xx responses",
      banned_for: "1h",
      timestamp: "2026-02-20T10:30:00.000Z",
    });
  });

  it("keeps quotes, backslashes, newlines and emoji intact, never HTML-escaped", () => {
    const event = { ...fixtureEvent("website-defender-auto-ban"), title: `<b>"x" & y\\z\n🚨</b>` };
    const rendered = renderWith(jsonFormat, event);
    expect(JSON.parse(rendered.body).title).toBe(event.title);
  });

  it("rejects a template whose output is not JSON", () => {
    expect(() => render("website-defender-auto-ban", `{"title": {{title}} }`)).toThrow(/valid JSON/);
  });
});

describe("template errors", () => {
  it("name the line and column of a syntax error", () => {
    const source = `{\n  "padding": "a long line so that the parser's excerpt is cut",  "x": {{json title}}}`;
    try {
      engine.compile(source);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ name: "TemplateError", line: 2 });
      const column = (error as { column: number }).column;
      expect(source.split("\n")[1]?.slice(column - 1)).toBe("}}}");
    }
  });
});
