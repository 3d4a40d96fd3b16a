import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_EVENT_CATALOG } from "../../src/events/catalog";
import type { HeraldEvent } from "../../src/events/event";
import { ECS_VERSION, type EcsOptions, ecsFormat } from "../../src/formats/ecs";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { expectCut, fixtureWith, renderEvents } from "../support/render";
import { parseBulk, schemaErrors } from "./contract/ecs";

const ROOT = join(import.meta.dirname, "..", "..");
const TEMPLATE = readFileSync(join(ROOT, "templates", "ecs.hbs"), "utf8");

/** ECS 8.17's expected event types for the categories Herald uses (ecs-allowed-values-event-category). */
const EXPECTED_TYPES: Record<string, string[]> = {
  authentication: ["start", "end", "info"],
  configuration: ["access", "change", "creation", "deletion", "info"],
  host: ["access", "change", "end", "info", "start"],
  iam: ["admin", "change", "creation", "deletion", "group", "info", "user"],
  intrusion_detection: ["allowed", "denied", "info"],
  network: ["access", "allowed", "connection", "denied", "end", "info", "protocol", "start"],
  vulnerability: ["info"],
  web: ["access", "error", "info"],
};

interface Doc {
  [field: string]: any;
}

function render(event: HeraldEvent, options: Partial<EcsOptions> = {}, source = TEMPLATE) {
  const rendered = renderEvents(ecsFormat, [event], { index: "x", ...options }, source);
  const [pair] = parseBulk(rendered.body);
  return { ...rendered, action: pair?.action as Doc, document: pair?.document as Doc };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** What each fixture's document says beyond what every document has, worked out from its data. */
const FIXTURE_FIELDS: Record<string, Doc> = {
  "mailserver-auth-failed": {
    event: {
      severity: 47,
      category: ["authentication"],
      type: ["start"],
      outcome: "failure",
      action: "auth.failed",
    },
    source: { ip: "198.51.100.23" },
    user: { name: "alice" },
    data: { mechanism: "PLAIN", listener: "imaps" },
  },
  "pentest-critical-finding": {
    event: { severity: 99, category: ["vulnerability"], type: ["info"], action: "critical_finding" },
    url: { original: "https://app.acme.example/api/upload" },
    data: ["engagement", "finding_id", "cvss", "cwe", "verified", "poc"],
  },
  "wallarm-hit-sqli": {
    event: { severity: 73, category: ["intrusion_detection", "web"], type: ["info"], action: "monitored" },
    source: { ip: "111.17.1.1", port: 41616 },
    destination: { domain: "example.com" },
    url: { original: "/" },
    http: { request: { method: "GET" } },
  },
  "wallarm-vulnerability": {
    event: { severity: 21, category: ["vulnerability"], type: ["info"], action: "vulnerability" },
    destination: { domain: "www.example.com" },
  },
  "website-defender-auto-ban": {
    event: {
      severity: 73,
      category: ["intrusion_detection", "network"],
      type: ["denied"],
      action: "auto_ban",
      reason: "excessive 4xx responses",
    },
    source: { ip: "192.168.1.100" },
    data: { banned_for: "1h" },
  },
  "website-defender-brute-force": {
    event: {
      severity: 99,
      category: ["intrusion_detection", "authentication"],
      type: ["info"],
      action: "brute_force",
      reason: "52 failed logins in 60s",
    },
    source: { ip: "203.0.113.7" },
    url: { original: "/admin/login" },
    data: { attempts: 52 },
  },
};

describe("ecs format", () => {
  it("sends every fixture in one _bulk body: a create action with a stable _id, then the event's ECS fields", () => {
    const fixtures = allFixtureEvents();
    const rendered = renderEvents(
      ecsFormat,
      fixtures.map(({ event }) => event),
      { index: "x" },
      TEMPLATE,
    );
    expect(rendered.warnings).toEqual([]);
    const pairs = parseBulk(rendered.body);
    expect(pairs).toHaveLength(fixtures.length);
    for (const [i, { name, event }] of fixtures.entries()) {
      const { action, document } = pairs[i] as { action: Doc; document: Doc };
      expect(action).toEqual({ create: { _index: "x", _id: sha256(`${event.source}\n${event.id}`) } });
      const { data, ...fields } = FIXTURE_FIELDS[name] as Doc;
      expect(document, name).toMatchObject({
        "@timestamp": event.time,
        message: event.title,
        event: { kind: "alert", id: event.id, provider: event.source, dataset: "herald.alerts" },
        rule: { name: event.type },
        ecs: { version: ECS_VERSION },
        ...fields,
      });
      if (Array.isArray(data)) expect(Object.keys(document.herald.data), name).toEqual(data);
      else if (data) expect(document.herald.data, name).toEqual(data);
    }
  });

  it.each([
    ["info", 0],
    ["low", 21],
    ["medium", 47],
    ["high", 73],
    ["critical", 99],
  ] as const)("maps %s to event.severity %d, Elastic Security's scale", (severity, number) => {
    expect(render(fixtureWith("wallarm-hit-sqli", { severity })).document.event.severity).toBe(number);
  });

  it.each(Object.keys(DEFAULT_EVENT_CATALOG))(
    "categorises %s with ECS allowed values that go together",
    (type) => {
      const { document } = render(fixtureWith("website-defender-auto-ban", { type }));
      expect(schemaErrors(document)).toEqual([]);
      for (const category of document.event.category ?? [])
        for (const eventType of document.event.type) expect(EXPECTED_TYPES[category]).toContain(eventType);
    },
  );

  it("leaves types ECS has no category for uncategorised, and reads other auth.* types as authentication", () => {
    const report = render(fixtureWith("website-defender-auto-ban", { type: "report_ready" })).document;
    expect(report.event).not.toHaveProperty("category");
    expect(report.event).not.toHaveProperty("type");
    const custom = render(fixtureWith("mailserver-auth-failed", { type: "auth.mfa_challenge" })).document;
    expect(custom.event).toMatchObject({ category: ["authentication"], type: ["info"] });
  });

  it("fills source.ip only with an IP address Elasticsearch's ip type takes, and source.port only with a port", () => {
    const data = {
      client_ip: "not an ip",
      remote_ip: "fe80::1%eth0",
      src_ip: "2001:db8::7",
      remote_port: "99999",
      src_port: "443",
    };
    const { document } = render(fixtureWith("website-defender-auto-ban", { data }));
    expect(document.source).toEqual({ ip: "2001:db8::7", port: 443 });
    expect(document.herald.data).toEqual({
      client_ip: "not an ip",
      remote_ip: "fe80::1%eth0",
      remote_port: "99999",
    });
    expect(schemaErrors(document)).toEqual([]);
    const none = render(
      fixtureWith("website-defender-auto-ban", { data: { client_ip: "999.1.1.1" } }),
    ).document;
    expect(none).not.toHaveProperty("source");
  });

  it("takes the index, an ingest pipeline, the dataset and labels from the options", () => {
    const options = {
      index: "logs-herald.alerts-default",
      pipeline: "herald-geoip",
      dataset: "herald.waf",
      labels: { env: "prod", team: 'sec <&> "ops"' },
    };
    const { action, document } = render(fixtureEvent("wallarm-hit-sqli"), options);
    expect(action.create).toMatchObject({ _index: "logs-herald.alerts-default", pipeline: "herald-geoip" });
    expect(document.event.dataset).toBe("herald.waf");
    expect(document.labels).toEqual(options.labels);
    expect(schemaErrors(document)).toEqual([]);
    const defaults = renderEvents(ecsFormat, [fixtureEvent("wallarm-hit-sqli")], {}, TEMPLATE);
    expect(parseBulk(defaults.body)[0]?.action.create).toEqual({
      _index: "herald-events",
      _id: expect.any(String),
    });
  });

  it("keeps hostile text exactly, each document on one line", () => {
    const hostile = 'line\nbreak\r\u2028\u2029 \u202Eevil\u0000\u001f @everyone <@123> *md* ` " \\ }{';
    const event = fixtureWith("mailserver-auth-failed", {
      title: hostile,
      subject: hostile,
      source: hostile,
      data: JSON.parse(
        JSON.stringify({ account: hostile, note: hostile, list: [hostile, { inner: hostile }] }).replace(
          "{",
          '{"__proto__": {"polluted": true},',
        ),
      ),
    });
    const rendered = render(event);
    expect(rendered.body.split("\n")).toHaveLength(3);
    expect(rendered.warnings).toEqual([]);
    expect(rendered.document).toMatchObject({
      message: hostile,
      event: { provider: hostile },
      user: { name: hostile },
      herald: { subject: hostile, data: { note: hostile, list: [hostile, { inner: hostile }] } },
    });
    expect(Object.hasOwn(rendered.document.herald.data, "__proto__")).toBe(true);
    expect(rendered.document.herald.data.polluted).toBeUndefined();
    expect(rendered.action.create._id).toBe(sha256(`${hostile}\n${event.id}`));
    expect(schemaErrors(rendered.document)).toEqual([]);
  });

  it("cuts a 100 KB keyword to ECS's 1024 characters with a warning, and keeps 100 KB text and data whole", () => {
    const long = `${"x".repeat(100 * 1024)}🚨`;
    const { document, warnings } = render(
      fixtureWith("mailserver-auth-failed", {
        title: long,
        data: { account: long, remote_ip: "198.51.100.23", blob: long },
      }),
    );
    expectCut(document.user.name, long, 1024);
    expect(warnings).toEqual(["user.name (data.account): cut to 1024 characters"]);
    expect(document.message).toBe(long);
    expect(document.herald.data.blob).toBe(long);
    expect(schemaErrors(document)).toEqual([]);
  });

  it("sends data nested deeper than Elasticsearch maps as JSON text, and renames field names it cannot map", () => {
    let deep: Record<string, unknown> = { bottom: "🚨" };
    for (let level = 1; level < 32; level++) deep = { level: deep };
    const data = { deep, "": 1, " ": 2, ".": 3, ".a": 4, "a..b": 5, "a.b": 6 };
    const { document, warnings } = render(fixtureWith("website-defender-auto-ban", { data }));
    let node = document.herald.data.deep;
    let original = deep;
    for (let level = 2; level < 18; level++) node = node.level;
    for (let level = 2; level < 19; level++) original = original.level as Record<string, unknown>;
    expect(node.level).toBe(JSON.stringify(original));
    expect(document.herald.data).toMatchObject({ _: 1, __: 2, ___: 3, _a: 4, a__b: 5, "a.b": 6 });
    expect(warnings).toEqual([
      'herald.data: 5 field names Elasticsearch cannot map were renamed: "" → "_", " " → "__", "." → "___", …',
      `herald.data: values nested deeper than 18 levels were sent as JSON text: herald.data.deep${".level".repeat(17)}`,
    ]);
  });

  it("sets @timestamp, event.kind and ecs.version whatever the template did, and says what it replaced", () => {
    const event = fixtureEvent("mailserver-auth-failed");
    const bare = render(event, {}, `{"message": {{json title}} }`);
    expect(bare.document).toEqual({
      message: event.title,
      "@timestamp": "2023-06-21T14:55:00.000Z",
      event: { kind: "alert" },
      ecs: { version: ECS_VERSION },
    });
    expect(bare.warnings).toEqual([]);
    const wrong = render(
      event,
      {},
      `{"@timestamp": "1970-01-01T00:00:00Z", "event": {"kind": "event", "id": {{json id}} }, "ecs": {"version": "1.0.0"} }`,
    );
    expect(wrong.document).toEqual({
      "@timestamp": "2023-06-21T14:55:00.000Z",
      event: { kind: "alert", id: "12345" },
      ecs: { version: ECS_VERSION },
    });
    expect(wrong.warnings).toEqual([
      'the template\'s @timestamp was replaced by "2023-06-21T14:55:00.000Z"',
      'the template\'s event.kind was replaced by "alert"',
      'the template\'s ecs.version was replaced by "8.17.0"',
    ]);
  });

  it("refuses a template whose output Elasticsearch could not index as a document", () => {
    const event = fixtureEvent("website-defender-auto-ban");
    expect(() => render(event, {}, `{"message": {{title}} }`)).toThrow(/valid JSON/);
    for (const template of ["[1]", "null", `{{json title}}`])
      expect(() => render(event, {}, template)).toThrow(/JSON object \(an ECS document\)/);
    expect(() => render(event, {}, `{"event": "alert"}`)).toThrow(/"event" must be a JSON object/);
    expect(() => render(event, {}, `{"ecs": []}`)).toThrow(/"ecs" must be a JSON object/);
  });
});
