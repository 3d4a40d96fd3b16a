import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { digestFields, leadEvent } from "../../src/formats/digest";
import { FORMATS } from "../../src/formats/registry";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { pagerDutyAnswer, ROUTING_KEY } from "./contract/pagerduty";
import { autoBans, send, webhookOf } from "./digest/support";

const bans = autoBans();
const ofBans = () => digestFields({ events: bans, group: { type: "auto_ban" } });

/** `events` with the fields of `changes[i]` replacing those of the i-th. */
function changed(events: HeraldEvent[], changes: Partial<HeraldEvent>[]): HeraldEvent[] {
  return events.map((event, index) => ({ ...event, ...changes[index] }));
}

describe("a digest's template context", () => {
  it("says 37 auto_ban events from website-defender in 60 s, with the group, first and last", () => {
    const digest = ofBans();
    expect(digest).toMatchObject({
      digest: true,
      count: 37,
      headline: "37 auto_ban events from website-defender in 60 s",
      group: { type: "auto_ban" },
      group_fields: [{ field: "type", label: "Type", value: "auto_ban" }],
      span_s: 60,
      unlisted: 27,
      types: { values: [{ value: "auto_ban", count: 37 }], distinct: 1, others: 0, text: "auto_ban ×37" },
      sources: { distinct: 1, text: "website-defender ×37" },
    });
    expect(digest.first).toBe(bans[0]);
    expect(digest.last).toBe(bans[36]);
    expect(digest.events).toBe(bans);
  });

  it("counts the values of the key fields that vary, most frequent first, and leaves out those that do not", () => {
    // Every ban has the same reason: only the client IP varies.
    expect(ofBans().top).toEqual([
      {
        label: "Source IP",
        values: [
          { value: "192.168.1.100", count: 20 },
          { value: "192.168.1.101", count: 10 },
          { value: "192.168.1.102", count: 7 },
        ],
        distinct: 3,
        others: 0,
        text: "192.168.1.100 ×20, 192.168.1.101 ×10, 192.168.1.102 ×7",
      },
    ]);
  });

  it("lists the 10 newest events, newest first, each with its title and the key field that varies", () => {
    const { listed } = ofBans();
    expect(listed.map((event) => event.id)).toEqual(
      bans
        .slice(-10)
        .reverse()
        .map((event) => event.id),
    );
    const newest = bans[36] as HeraldEvent;
    expect(listed[0]).toMatchObject({
      ...newest,
      event_type: "auto_ban",
      key_field: { label: "Source IP", value: newest.data.client_ip, path: "data.client_ip" },
      line: `${newest.title} · Source IP ${newest.data.client_ip}`,
    });
  });

  it("lists a key field that is not the group's when none varies", () => {
    const [first, second] = [
      fixtureEvent("website-defender-auto-ban"),
      fixtureEvent("website-defender-auto-ban"),
    ];
    const digest = digestFields({ events: [first, second], group: { "data.client_ip": "192.168.1.100" } });
    expect(digest.top).toEqual([]);
    expect(digest.group_fields).toEqual([
      { field: "data.client_ip", label: "Source IP", value: "192.168.1.100" },
    ]);
    expect(digest.listed[0]?.key_field).toMatchObject({ label: "Reason", value: "excessive 4xx responses" });
  });

  it("names several types and sources by their number, and counts each", () => {
    const events = changed(bans.slice(0, 5), [
      {},
      { type: "brute_force", source: "mailserver" },
      {},
      { type: "brute_force" },
      {},
    ]);
    const digest = digestFields({ events, group: {} });
    expect(digest.headline).toBe("5 events of 2 types from 2 sources in 7 s");
    expect(digest.types.text).toBe("auto_ban ×3, brute_force ×2");
    expect(digest.sources.text).toBe("website-defender ×4, mailserver ×1");
    expect(digest.group_fields).toEqual([]);
  });

  it("says spans in seconds, minutes or hours, and events at one time as within a second", () => {
    const at = (...times: string[]) =>
      digestFields({
        events: changed(
          bans.slice(0, times.length),
          times.map((time) => ({ time })),
        ),
        group: {},
      }).headline;
    expect(at("2026-02-20T10:30:00.000Z", "2026-02-20T10:30:00.000Z")).toMatch(/within a second$/);
    expect(at("2026-02-20T10:30:00.000Z", "2026-02-20T10:35:00.000Z")).toMatch(/in 5 min$/);
    expect(at("2026-02-20T10:30:00.000Z", "2026-02-20T13:30:00.000Z")).toMatch(/in 3 h$/);
  });

  it("takes first and last by time, whatever order the events came in", () => {
    const events = changed(bans.slice(0, 3), [
      { time: "2026-02-20T10:30:30.000Z" },
      { time: "2026-02-20T10:30:00.000Z" },
      { time: "2026-02-20T10:30:10.000Z" },
    ]);
    const digest = digestFields({ events, group: {} });
    expect([digest.first, digest.last, digest.span_s]).toEqual([events[1], events[0], 30]);
  });

  it("leads with the most severe event, the latest among equals", () => {
    const events = changed(bans.slice(0, 4), [
      { severity: "critical" },
      { severity: "low" },
      { severity: "critical" },
      { severity: "high" },
    ]);
    expect(leadEvent(events)).toBe(events[2]);
  });

  it("keys the group by its paths and values: equal for equal groups, else different", () => {
    const key = (group: Record<string, unknown>) =>
      digestFields({ events: bans.slice(0, 2), group }).group_key;
    expect(key({ type: "auto_ban" })).toBe(key({ type: "auto_ban" }));
    expect(key({ type: "auto_ban" })).toMatch(/^herald-group-[0-9a-f]{64}$/);
    expect(key({ type: "brute_force" })).not.toBe(key({ type: "auto_ban" }));
    expect(key({ source: "auto_ban" })).not.toBe(key({ type: "auto_ban" }));
  });

  it("stays bounded for 10,000 events with distinct hostile values: 10 listed, 5 values, 200 characters", () => {
    const huge = "<!channel> @everyone ".repeat(20);
    const events = Array.from({ length: 10_000 }, (_, i) => ({
      ...(bans[i % bans.length] as HeraldEvent),
      id: `e${i}`,
      type: `${i % 9}${huge}`,
      data: { client_ip: `${i} ${huge}`, user: `user-${i % 3}` },
    }));
    const digest = digestFields({ events, group: {} });
    expect(digest.listed).toHaveLength(10);
    expect(digest.unlisted).toBe(9990);
    expect(digest.top.map(({ label, distinct, others }) => [label, distinct, others])).toEqual([
      ["Source IP", 10_000, 9995],
      ["User", 3, 0],
    ]);
    const values = [...digest.top, digest.types].flatMap((tally) => tally.values.map(({ value }) => value));
    expect(Math.max(...values.map((value) => Array.from(value).length))).toBe(200);
    expect(digest.headline).toBe("10000 events of 9 types from website-defender in 60 s");
  });

  it("counts values by the 200 characters shown of them, however long they are", () => {
    const long = "x".repeat(20_000);
    const events = changed(bans.slice(0, 3), [
      { data: { client_ip: `${long}1` } },
      { data: { client_ip: `${long}2` } },
      { data: { client_ip: "192.168.1.100" } },
    ]);
    expect(digestFields({ events, group: {} }).top).toEqual([
      {
        label: "Source IP",
        values: [
          { value: `${"x".repeat(199)}…`, count: 2 },
          { value: "192.168.1.100", count: 1 },
        ],
        distinct: 2,
        others: 0,
        text: `${"x".repeat(199)}… ×2, 192.168.1.100 ×1`,
      },
    ]);
  });
});

describe("a grouping webhook", () => {
  const digestFormats = FORMATS.filter((format) => format.digest).map((format) => format.name);
  const optionsOf = (format: string) => (format === "pagerduty" ? { routing_key: ROUTING_KEY } : {});

  it("sends digests in slack, teams, discord, pagerduty and json", () => {
    expect(digestFormats.sort()).toEqual(["discord", "json", "pagerduty", "slack", "teams"]);
  });

  it.each(
    digestFormats.flatMap((format) => allFixtureEvents().map(({ name, event }) => ({ format, name, event }))),
  )("renders a group of one $name in $format byte for byte as a single event", ({ format, event }) => {
    const grouped = send(webhookOf(format, optionsOf(format)), [event], 3);
    expect(grouped).toEqual(send(webhookOf(format, optionsOf(format), null), [event], 3));
  });

  it.each(digestFormats)("sends one %s message for a group of 37, not 37", (format) => {
    const rendered = send(webhookOf(format, optionsOf(format)), bans);
    expect(rendered.parts).toBeUndefined();
    expect(rendered.body).toContain(format === "json" ? bans[20]?.id : "37 auto");
  });

  it("keeps a PagerDuty alert per group: the group's next digest has the same dedup_key, another group not", () => {
    const dedupKey = (events: HeraldEvent[]) => {
      const { body } = send(webhookOf("pagerduty", optionsOf("pagerduty")), events);
      expect(pagerDutyAnswer(body).status).toBe(202);
      return JSON.parse(body).dedup_key;
    };
    const other = changed(bans.slice(0, 2), [{ type: "brute_force" }, { type: "brute_force" }]);
    expect(dedupKey(bans.slice(0, 10))).toBe(dedupKey(bans.slice(10)));
    expect(dedupKey(other)).not.toBe(dedupKey(bans));
  });

  it("renders a custom template without a digest branch as its most severe event", () => {
    const events = changed(bans.slice(0, 3), [{}, { severity: "critical", title: "the worst" }, {}]);
    const template = `{"text": "{{slackEmoji severity}} {{mrkdwn title}}"}`;
    const { body } = send(webhookOf("slack", {}, ["type"], template), events);
    expect(JSON.parse(body)).toEqual({ text: ":red_circle: the worst" });
  });

  it("sends json digests with every event as its template renders it alone, a custom one too", () => {
    const template = `{"ip": {{json data.client_ip}}, "when": {{json time}} }`;
    const events = bans.slice(0, 3);
    const digest = JSON.parse(send(webhookOf("json", {}, ["type"], template), events, 12).body);
    expect(digest).toEqual({
      digest: true,
      count: 3,
      group: { type: "auto_ban" },
      first: events[0]?.time,
      last: events[2]?.time,
      span_s: 3,
      events: events.map((event) => JSON.parse(send(webhookOf("json", {}, null, template), [event]).body)),
      suppressed: 12,
    });
  });
});
