import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import {
  type PagerDutyOptions,
  pagerDutyFormat,
  pagerDutyRoutingKeySchema,
} from "../../src/formats/pagerduty";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { expectCut, fixtureWith, renderWith } from "../support/render";
import { firstFieldsOf } from "./contract/first-fields";
import { pagerDutyAnswer, ROUTING_KEY } from "./contract/pagerduty";

const TEMPLATE = readFileSync(join(import.meta.dirname, "..", "..", "templates", "pagerduty.hbs"), "utf8");

interface PagerDutyEvent {
  routing_key: string;
  event_action: string;
  dedup_key: string;
  client: string;
  client_url?: string;
  links?: { href: string; text: string }[];
  payload: {
    summary: string;
    source: string;
    severity: string;
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
}

function render(event: HeraldEvent, options: Partial<PagerDutyOptions> = {}, source = TEMPLATE) {
  const rendered = renderWith(pagerDutyFormat, event, { routing_key: ROUTING_KEY, ...options }, source);
  return { ...rendered, sent: JSON.parse(rendered.body) as PagerDutyEvent };
}

const SEVERITY = { info: "info", low: "warning", medium: "warning", high: "error", critical: "critical" };
const LINKS: Record<string, { href: string; text: string }> = {
  "wallarm-vulnerability": { href: "https://my.wallarm.com/object/282157", text: "Open in wallarm" },
  "pentest-critical-finding": { href: "https://app.acme.example/api/upload", text: "Open app.acme.example" },
};

const eventWith = (fields: Partial<HeraldEvent>) => fixtureWith("website-defender-auto-ban", fields);

describe("pagerduty format", () => {
  it.each(allFixtureEvents())("renders $name as a trigger event of the event's fields", ({ name, event }) => {
    const { sent, warnings } = render(event);
    expect(warnings).toEqual([]);
    // The same details as the data, the fields a responder needs first.
    const first = firstFieldsOf(name).map(({ from }) => from);
    expect(Object.keys(sent.payload.custom_details ?? {})).toEqual([
      ...first,
      ...Object.keys(event.data).filter((key) => !first.includes(key)),
    ]);
    expect(sent).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: event.id,
      client: "Herald",
      ...(LINKS[name] && { links: [LINKS[name]] }),
      payload: {
        summary: event.title,
        source: event.source,
        severity: SEVERITY[event.severity],
        timestamp: event.time,
        class: event.type,
        custom_details: event.data,
      },
    });
  });

  it("puts pinned fields first in custom_details, then the key fields, names and values as they came", () => {
    const { sent, body } = render(fixtureEvent("wallarm-hit-sqli"), {
      fields: ["data.type", "data.point.1"],
    });
    expect(Object.keys(sent.payload.custom_details ?? {}).slice(0, 8)).toEqual([
      "type",
      "point",
      "remote_addr4",
      "remote_port",
      "domain",
      "path",
      "method",
      "block_status",
    ]);
    expect(sent.payload.custom_details).toEqual(fixtureEvent("wallarm-hit-sqli").data);
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it("sends every http(s) link, the link_template's first, and leaves out a javascript: link with a warning", () => {
    const { sent, warnings, body } = render(
      eventWith({ data: { link: "javascript:alert(1)", links: ["https://a.example/1"] } }),
      { link_template: "https://defender.example/bans/{id}" },
    );
    expect(sent.links).toEqual([
      { href: "https://defender.example/bans/wd-2026-02-20-000123", text: "Open in website-defender" },
      { href: "https://a.example/1", text: "Open in website-defender" },
    ]);
    expect(warnings).toEqual(["data.link: left out, only http(s) links are shown, not javascript:"]);
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it.each(Object.entries(SEVERITY))("maps Herald's %s to PagerDuty's %s", (severity, expected) => {
    const { sent, body } = render(eventWith({ severity: severity as HeraldEvent["severity"] }));
    expect(sent.payload.severity).toBe(expected);
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it("cuts a 100 KB title to a 1,024-character summary with … and a warning", () => {
    const title = "t".repeat(100 * 1024);
    const { sent, body, warnings } = render(eventWith({ title }));
    expectCut(sent.payload.summary, title, 1024);
    expect(warnings).toEqual(["payload.summary: cut from 102400 to 1024 characters"]);
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it("sends hostile values exactly as they came, as JSON PagerDuty accepts", () => {
    const title = '@everyone <@123> **md** "quoted" \\ back \u0000\u001b[31m \u202Egpj.exe 🚨\nline';
    const data = { title, nested: { list: [null, { deep: "<script>" }] }, empty: {} };
    const { sent, body, warnings } = render(eventWith({ title, subject: "host\u0000name", data }));
    expect(warnings).toEqual([]);
    expect(sent.payload.summary).toBe(title);
    expect(sent.payload.component).toBe("host\u0000name");
    expect(sent.payload.custom_details).toEqual(data);
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it("falls back to the type and to 'unknown' where a blank summary or source would be refused", () => {
    const { sent, body } = render(eventWith({ title: "  ", source: " " }));
    expect(sent.payload.summary).toBe("auto_ban");
    expect(sent.payload.source).toBe("unknown");
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it("keeps a 1 MiB event of 10,000 data keys under 512 KB by leaving out entries, and says how many", () => {
    const data = Object.fromEntries(
      Array.from({ length: 10_000 }, (_, i) => [`field_${i}`, `${i} ${"x".repeat(90)}`]),
    );
    const { sent, body, warnings } = render(eventWith({ data }));
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(512_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(500_000);
    const details = sent.payload.custom_details ?? {};
    const kept = Object.keys(details).length - 1;
    expect(Object.keys(details).slice(0, kept)).toEqual(Object.keys(data).slice(0, kept));
    expect(details.herald_note).toBe(
      `${10_000 - kept} of 10000 entries left out: PagerDuty takes at most 512 KB`,
    );
    expect(warnings).toEqual([
      `custom_details: ${10_000 - kept} of 10000 entries left out to stay under PagerDuty's 512 KB event limit`,
    ]);
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it("cuts a 900 KB string in custom_details to 1,024 characters before leaving anything out", () => {
    const long = "y".repeat(900 * 1024);
    const { sent, body, warnings } = render(eventWith({ data: { summary: long, short: "kept" } }));
    expectCut(sent.payload.custom_details?.summary as string, long, 1024);
    expect(sent.payload.custom_details?.short).toBe("kept");
    expect(warnings).toEqual([
      "custom_details: 1 texts cut to 1024 characters to stay under PagerDuty's 512 KB event limit",
    ]);
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it("sends data nested 32 levels deep as it is", () => {
    let data: Record<string, unknown> = { bottom: "deep" };
    for (let level = 1; level < 32; level++) data = { level: data };
    const { sent, body } = render(eventWith({ data }));
    expect(sent.payload.custom_details).toEqual(data);
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it("shortens a dedup_key over 255 characters with a hash: equal keys stay equal, different ones differ", () => {
    const id = "i".repeat(256);
    const first = render(eventWith({ id }));
    expect(Array.from(first.sent.dedup_key)).toHaveLength(255);
    expect(first.sent.dedup_key).toMatch(/^i{190}:[0-9a-f]{64}$/);
    expect(first.warnings).toEqual([
      "dedup_key: 256 characters, shortened to 255 with a SHA-256 of the whole",
    ]);
    expect(render(eventWith({ id })).sent.dedup_key).toBe(first.sent.dedup_key);
    expect(render(eventWith({ id: `${"i".repeat(255)}j` })).sent.dedup_key).not.toBe(first.sent.dedup_key);
    expect(pagerDutyAnswer(first.body).status).toBe(202);
  });

  it("takes the dedup_key, component, group and class the template sets", () => {
    const source = `{"dedup_key": {{json data.client_ip}}, "component": "waf", "group": {{json source}}, "class": "ban",
      "summary": {{json title}}, "custom_details": {"reason": {{json data.reason}} } }`;
    const { sent } = render(fixtureEvent("website-defender-auto-ban"), {}, source);
    expect(sent.dedup_key).toBe("192.168.1.100");
    expect(sent.payload).toMatchObject({
      component: "waf",
      group: "website-defender",
      class: "ban",
      custom_details: { reason: "excessive 4xx responses" },
    });
    const defaults = render(
      fixtureEvent("website-defender-auto-ban"),
      {},
      `{"dedup_key": null, "summary": ""}`,
    ).sent;
    expect(defaults.dedup_key).toBe("wd-2026-02-20-000123");
    expect(defaults.payload.summary).toBe("192.168.1.100 auto-banned for 1h");
  });

  it("wraps custom_details that are not an object, as PagerDuty takes only objects", () => {
    const { sent, body, warnings } = render(eventWith({}), {}, `{"custom_details": {{json title}} }`);
    expect(sent.payload.custom_details).toEqual({ details: "192.168.1.100 auto-banned for 1h" });
    expect(warnings).toEqual(['custom_details: not an object, sent as {"details": …}']);
    expect(pagerDutyAnswer(body).status).toBe(202);
  });

  it("sends the source, client and client_url options", () => {
    const options = {
      source: "edge-01.example.com",
      client: "Herald EU",
      client_url: "https://herald.example/",
    };
    const { sent } = render(fixtureEvent("mailserver-auth-failed"), options);
    expect(sent.payload.source).toBe("edge-01.example.com");
    expect(sent).toMatchObject({ client: "Herald EU", client_url: "https://herald.example/" });
  });

  it("exports the routing key's rule for the destination's secret settings", () => {
    expect(pagerDutyRoutingKeySchema.safeParse("e93facc04764012d7bfb002500d5d1a6").success).toBe(true);
    expect(pagerDutyRoutingKeySchema.safeParse("e93facc04764012d7bfb002500d5d1a").success).toBe(false);
  });

  it("refuses a template that sets what the format owns, or no object at all", () => {
    const event = fixtureEvent("website-defender-auto-ban");
    expect(() => render(event, {}, `{"severity": "critical"}`)).toThrow(
      /may set only summary.*not "severity"/,
    );
    expect(() => render(event, {}, `[{{json title}}]`)).toThrow(/JSON object/);
    expect(() => render(event, {}, `{"summary": {{title}} }`)).toThrow(/valid JSON/);
  });
});
