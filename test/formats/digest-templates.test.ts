import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { TEXT_LIMITS } from "../../src/formats/discord-embeds";
import { discordPings } from "../support/discord";
import { discordAnswer, shown } from "./contract/discord";
import { HOSTILE_EVENTS, LARGEST_EVENTS } from "./contract/events";
import { pagerDutyAnswer, ROUTING_KEY } from "./contract/pagerduty";
import type { Json } from "./contract/row";
import { ROWS } from "./contract/rows";
import { limitViolations, type SlackMessage, unescaped, unescapeMrkdwn } from "./contract/slack";
import { cardElements, cardFacts, TEAMS_MAX_BYTES, teamsCardProblems } from "./contract/teams";
import { autoBans, send, webhookOf } from "./digest/support";

/*
 * What the default templates make of a digest: 37 auto_ban events from three client IPs, sent
 * with 12 repeats suppressed. Golden files: test/formats/golden/<format>/digest-website-defender-auto-ban.json,
 * rewritten with UPDATE_GOLDEN=1 npx vitest run test/formats/digest-templates.test.ts (read every
 * changed file before keeping it: each is exactly what the receiver gets).
 */
const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === "1";
const bans = autoBans();
const HEADLINE = "37 auto_ban events from website-defender in 60 s";
const FIRST_LAST = "First 2026-02-20 10:30:00 UTC, last 2026-02-20 10:31:00 UTC";
const TOP_IPS = "192.168.1.100 ×20, 192.168.1.101 ×10, 192.168.1.102 ×7";
/** The 10 newest bans, newest first, as the digests list them: time and line. */
const LISTED = bans
  .slice(-10)
  .reverse()
  .map((event) => ({
    time: event.time.slice(11, 19),
    line: `${event.title} · Source IP ${event.data.client_ip}`,
  }));

const optionsOf = (format: string) => (format === "pagerduty" ? { routing_key: ROUTING_KEY } : {});

function digestOf(format: string, events = bans, options: Record<string, unknown> = optionsOf(format)) {
  const rendered = send(webhookOf(format, options), events, 12);
  return { ...rendered, message: JSON.parse(rendered.body) as Json };
}

function expectGolden(format: string, body: string) {
  const file = join(import.meta.dirname, "golden", format, "digest-website-defender-auto-ban.json");
  if (UPDATE_GOLDEN) writeFileSync(file, body);
  expect(existsSync(file), `${file} is missing: write it with UPDATE_GOLDEN=1`).toBe(true);
  expect(readFileSync(file, "utf8")).toBe(body);
}

describe("the default templates' digest of 37 auto_ban events", () => {
  it("slack: a header, what the bans share and how their IPs vary, the newest 10 and 27 more", () => {
    const { message, body, warnings } = digestOf("slack");
    const [header, summary, latest, context] = message.blocks as Json[];
    expect(warnings).toEqual([]);
    expect(limitViolations(message as SlackMessage)).toEqual([]);
    expect(unescapeMrkdwn(message.text)).toBe(`:large_orange_circle: HIGH: ${HEADLINE}`);
    expect(header?.text.text).toBe(HEADLINE);
    expect(unescapeMrkdwn(summary?.text.text)).toBe(`*${HEADLINE}*\n${FIRST_LAST}\n*Type:* auto_ban`);
    expect(summary?.fields.map((field: Json) => field.text)).toEqual([
      "*Source IP* (3 values)\n192.168.1.100 ×20\n192.168.1.101 ×10\n192.168.1.102 ×7",
    ]);
    const lines = LISTED.map(({ time, line }) => `\`${time}\` :large_orange_circle: ${line}`);
    expect(latest?.text.text).toBe(["*Latest 10 of 37*", ...lines, "_and 27 more_"].join("\n"));
    expect(context?.elements.map((element: Json) => element.text)).toEqual([
      ":large_orange_circle: *HIGH* at worst",
      "12 repeats suppressed",
    ]);
    expectGolden("slack", body);
  });

  it("teams: a card with the headline, facts of the group and its IPs, and the newest 10 as facts", () => {
    const { message, body, warnings } = digestOf("teams");
    const card = message.attachments[0].content;
    expect(warnings).toEqual([]);
    expect(teamsCardProblems(card)).toEqual([]);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const texts = cardElements(card)
      .filter((element) => element.type === "TextBlock")
      .map((element) => element.text);
    expect(texts).toEqual([HEADLINE, FIRST_LAST, "Latest 10 of 37", "and 27 more"]);
    expect(cardFacts(card).map((fact) => [fact.title, fact.value])).toEqual([
      ["Severity", "HIGH at worst"],
      ["Type", "auto_ban"],
      ["Source IP", TOP_IPS],
      ["Suppressed", "12 repeats suppressed"],
      ...LISTED.map(({ time, line }) => [time, line]),
    ]);
    expectGolden("teams", body);
  });

  it("discord: an embed of the group and its IPs, then one of the newest 10, 27 more in its footer", () => {
    const { message, body, warnings } = digestOf("discord");
    expect(warnings).toEqual([]);
    expect(discordAnswer(body).status).toBe(204);
    const [summary, latest] = message.embeds as Json[];
    expect(shown(summary?.title)).toBe(HEADLINE);
    expect(shown(summary?.description)).toBe(FIRST_LAST);
    expect(summary?.author).toEqual({ name: "website-defender" });
    expect(summary?.fields.map((field: Json) => [field.name, shown(field.value)])).toEqual([
      ["Severity", "HIGH at worst"],
      ["Type", "auto_ban"],
      ["Source IP", TOP_IPS],
    ]);
    expect(shown(latest?.title)).toBe("Latest 10 of 37");
    expect(latest?.fields.map((field: Json) => [field.name, shown(field.value)])).toEqual(
      LISTED.map(({ time, line }) => [`${time} · HIGH`, line]),
    );
    expect(latest?.footer).toEqual({ text: "Herald · and 27 more · 12 repeats suppressed" });
    // The latest event's time, not the lead's.
    expect(new Set(message.embeds.map((embed: Json) => embed.timestamp))).toEqual(new Set([bans[36]?.time]));
    expectGolden("discord", body);
  });

  it("pagerduty: one alert summed up in its summary, with counts, top values, first and last in its details", () => {
    const { message, body, warnings } = digestOf("pagerduty");
    expect(warnings).toEqual([]);
    expect(pagerDutyAnswer(body).status).toBe(202);
    expect(message.dedup_key).toMatch(/^herald-group-[0-9a-f]{64}$/);
    expect(message.payload).toMatchObject({
      summary: HEADLINE,
      severity: "error",
      timestamp: bans[36]?.time,
      custom_details: {
        repeats_suppressed: 12,
        events: 37,
        group: { type: "auto_ban" },
        first: bans[0]?.time,
        last: bans[36]?.time,
        span_s: 60,
        top: { "Source IP": TOP_IPS },
        latest: bans
          .slice(-10)
          .reverse()
          .map((event) => `${event.time} HIGH ${event.title} · Source IP ${event.data.client_ip}`),
        unlisted: 27,
      },
    });
    expectGolden("pagerduty", body);
  });

  it("json: one object with the group, first and last, and all 37 events as json sends each alone", () => {
    const { message, body } = digestOf("json");
    expect(message).toEqual({
      digest: true,
      count: 37,
      group: { type: "auto_ban" },
      first: bans[0]?.time,
      last: bans[36]?.time,
      span_s: 60,
      events: bans.map((event) => JSON.parse(send(webhookOf("json", {}, null), [event]).body)),
      suppressed: 12,
    });
    expectGolden("json", body);
  });

  it("mentions and colours by the most severe event of the digest", () => {
    const events = bans.map((event, index) =>
      index === 3 ? { ...event, severity: "critical" as const } : event,
    );
    const slack = digestOf("slack", events, { mention: "<!here>" });
    expect(slack.message.text).toMatch(/^<!here> :red_circle: CRITICAL: 37 auto_ban/);
    const discord = digestOf("discord", events, { mention: "@here" });
    expect(discord.message.content).toBe("@here");
    expect(discord.message.embeds[0].color).toBe(0xe74c3c);
    expect(digestOf("pagerduty", events).message.payload.severity).toBe("critical");
    const teams = digestOf("teams", events, { mention: { id: "alice@contoso.com", name: "Alice" } });
    expect(teams.message.attachments[0].content.msteams.entities).toHaveLength(1);
  });
});

/** 10,000 events cycling through the hostile and largest events, each with an id and time of its own. */
function hostileThousands(): HeraldEvent[] {
  const kinds = [...HOSTILE_EVENTS, ...LARGEST_EVENTS].map(({ event }) => event);
  return Array.from({ length: 10_000 }, (_, i) => {
    const event = kinds[i % kinds.length] as HeraldEvent;
    return {
      ...event,
      id: `hostile-${i}`,
      time: new Date(Date.parse("2026-02-20T10:30:00Z") + i * 30).toISOString(),
      // The largest events keep their data as it is: 700 copies of 10,000 keys would take GBs.
      data: LARGEST_EVENTS.some((largest) => largest.event === event)
        ? event.data
        : { ...event.data, client_ip: `<!channel> @everyone <script>${i}` },
    };
  });
}

describe("a digest of 10,000 hostile events", () => {
  const events = hostileThousands();

  it("slack: within Slack's limits, every text escaped", () => {
    for (const limit_policy of ["truncate", "split"]) {
      const rendered = digestOf("slack", events, { limit_policy });
      for (const body of [rendered.body, ...(rendered.parts ?? [])]) {
        const message = JSON.parse(body) as SlackMessage;
        expect(limitViolations(message)).toEqual([]);
        expect(unescaped(message)).toEqual([]);
      }
      expect(rendered.body).toContain("10000 events of ");
    }
  });

  it("teams: a valid card within 28 KB", () => {
    for (const limit_policy of ["truncate", "split"]) {
      const rendered = digestOf("teams", events, { limit_policy });
      for (const body of [rendered.body, ...(rendered.parts ?? [])]) {
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
        expect(teamsCardProblems(JSON.parse(body).attachments[0].content)).toEqual([]);
      }
    }
  });

  it("discord: taken by Discord, pinging nobody", () => {
    for (const limit_policy of ["truncate", "split"]) {
      const rendered = digestOf("discord", events, { limit_policy });
      for (const body of [rendered.body, ...(rendered.parts ?? [])]) {
        expect(discordAnswer(body).status).toBe(204);
        expect(discordPings(body)).toEqual([]);
      }
      const [summary] = JSON.parse(rendered.body).embeds;
      expect(Array.from(summary.title as string).length).toBeLessThanOrEqual(TEXT_LIMITS.title);
    }
  });

  it("pagerduty: taken by PagerDuty, its summary at most 1,024 characters", () => {
    const { message, body } = digestOf("pagerduty", events);
    expect(pagerDutyAnswer(body).status).toBe(202);
    expect(Array.from(message.payload.summary as string).length).toBeLessThanOrEqual(1024);
    expect(message.payload.custom_details).toMatchObject({ events: 10_000, unlisted: 9990 });
  });

  it("json: every event, each as json sends it alone", () => {
    // The hostile events themselves, once each: json sends every byte of every event, 10,000 of
    // the largest would be 10 GB, which the byte limit per event refuses anyway.
    const hostile = events.slice(0, HOSTILE_EVENTS.length + LARGEST_EVENTS.length);
    const thousands = Array.from({ length: 10_000 }, (_, i) => ({
      ...(bans[i % 37] as HeraldEvent),
      id: `ban-${i}`,
    }));
    for (const group of [hostile, thousands]) {
      const { message } = digestOf("json", group);
      expect(message.events.map((event: Json) => event.id)).toEqual(group.map((event) => event.id));
      for (const index of [0, 1, 2, 3]) {
        const alone = send(webhookOf("json", {}, null), [group[index] as HeraldEvent]).body;
        expect(message.events[index]).toEqual(JSON.parse(alone));
      }
    }
  });
});

describe("SIEM formats with a grouping webhook", () => {
  it.each(["cef", "leef", "syslog", "ocsf"])(
    "%s sends one message per event, never one of several",
    (format) => {
      const [event] = bans;
      const grouped = send(webhookOf(format, ROWS[format]?.options), [event as HeraldEvent]);
      expect(grouped).toEqual(send(webhookOf(format, ROWS[format]?.options, null), [event as HeraldEvent]));
      expect(() => send(webhookOf(format, ROWS[format]?.options), bans.slice(0, 2))).toThrow(
        expect.objectContaining({
          name: "FormatError",
          message: expect.stringContaining("one event per request"),
        }),
      );
    },
  );

  it.each(["splunk_hec", "ecs"])("%s sends a group's events in one request, each its own event", (format) => {
    const events = bans.slice(0, 20);
    const grouped = send(webhookOf(format, ROWS[format]?.options), events);
    expect(grouped).toEqual(send(webhookOf(format, ROWS[format]?.options, null), events));
    const found = ROWS[format]?.receiverParses(grouped.body) ?? [];
    expect(found.map((each) => each.id)).toEqual(events.map((event) => event.id));
  });
});
