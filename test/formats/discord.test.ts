import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { type DiscordOptions, discordFormat } from "../../src/formats/discord";
import { valueText } from "../../src/text";
import { discordPings } from "../support/discord";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { fixtureWith, renderWith } from "../support/render";
import { discordAnswer, shown } from "./contract/discord";
import { firstFieldsOf, otherDataFields } from "./contract/first-fields";

const TEMPLATE = readFileSync(join(import.meta.dirname, "..", "..", "templates", "discord.hbs"), "utf8");

interface Embed {
  title?: string;
  description?: string;
  url?: string;
  color: number;
  timestamp: string;
  fields?: { name: string; value: string; inline?: boolean }[];
  footer?: { text: string };
  author?: { name: string };
}
interface DiscordMessage {
  content?: string;
  username?: string;
  avatar_url?: string;
  embeds?: Embed[];
  allowed_mentions: { parse: string[]; roles?: string[]; users?: string[] };
}

function render(event: HeraldEvent, options: Partial<DiscordOptions> = {}, source = TEMPLATE) {
  const rendered = renderWith(discordFormat, event, options, source);
  const message = JSON.parse(rendered.body) as DiscordMessage;
  return { ...rendered, message, embed: message.embeds?.[0] as Embed };
}

const chars = (text: string | undefined) => Array.from(text ?? "").length;

/** Anything in a text that Discord would show as a mention or could ping with. */
const MENTION_LIKE = /@(everyone|here)|<[@#][&!]?\d/i;

const COLORS = { info: 0x3498db, low: 0x2ecc71, medium: 0xf1c40f, high: 0xe67e22, critical: 0xe74c3c };
const ROLE = "<@&123456789012345678>";
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const eventWith = (fields: Partial<HeraldEvent>) => fixtureWith("website-defender-auto-ban", fields);

describe("discord format", () => {
  it.each(allFixtureEvents())("renders $name as one embed, its key fields first", ({ name, event }) => {
    const { message, embed, warnings } = render(event);
    expect(message.content).toBeUndefined();
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.embeds).toHaveLength(1);

    expect(shown(embed.title)).toBe(event.title);
    expect(embed.color).toBe(COLORS[event.severity]);
    expect(embed.timestamp).toBe(event.time);
    expect(embed.author).toEqual({ name: event.source });
    expect(embed.footer).toEqual({ text: "Herald" });
    const first = firstFieldsOf(name);
    const data = otherDataFields(event, first).map(([name, value]) => ({
      name,
      value: valueText(value) || "—",
    }));
    const expected = [
      ...first.map(({ label, value }) => ({ name: label, value, inline: true })),
      { name: "Severity", value: event.severity.toUpperCase(), inline: true },
      { name: "Type", value: event.type, inline: true },
      { name: "Event ID", value: event.id, inline: true },
      ...data,
    ];
    const fields =
      expected.length > 25 ? [...expected.slice(0, 24), { name: `+${expected.length - 24} more` }] : expected;
    expect(warnings).toEqual(
      expected.length > 25 ? [`embeds[0].fields: ${expected.length - 24} left out, max_fields is 25`] : [],
    );
    expect(
      embed.fields?.map((field) => ({ ...field, name: shown(field.name), value: shown(field.value) })),
    ).toEqual(fields.map((field) => ({ value: expect.any(String), ...field })));
  });

  it("links the embed to the event's link, and describes it with its summary", () => {
    const vulnerability = render(fixtureEvent("wallarm-vulnerability")).embed;
    expect(vulnerability.url).toBe("https://my.wallarm.com/object/282157");
    expect(vulnerability.description).toBe("New vulnerability identified");
    expect(render(fixtureEvent("pentest-critical-finding")).embed.url).toBe(
      "https://app.acme.example/api/upload",
    );
    expect(render(fixtureEvent("mailserver-auth-failed")).embed).not.toHaveProperty("url");
  });

  it("links the embed to link_template's link, and never to a javascript: link, which it names in a warning", () => {
    const script = render(
      eventWith({ data: { link: "javascript:alert(1)", links: [{ href: "https://a.example/" }] } }),
    );
    expect(script.embed.url).toBe("https://a.example/");
    expect(script.warnings).toEqual(["data.link: left out, only http(s) links are shown, not javascript:"]);
    const templated = render(fixtureEvent("wallarm-hit-sqli"), {
      link_template: "https://my.wallarm.com/attacks/{data.id.0}",
    });
    expect(templated.embed.url).toBe("https://my.wallarm.com/attacks/hits_production_6396_202006_v_1");
    expect(discordAnswer(templated.body).status).toBe(204);
  });

  it("shows pinned fields first, inline, before the event's", () => {
    const { embed } = render(fixtureEvent("mailserver-auth-failed"), { fields: ["data.listener"] });
    expect(embed.fields?.slice(0, 4)).toEqual([
      { name: "listener", value: "imaps", inline: true },
      { name: "Source IP", value: "198.51.100.23", inline: true },
      { name: "User", value: "alice", inline: true },
      { name: "Severity", value: "MEDIUM", inline: true },
    ]);
  });

  it("escapes markdown, masked links and mentions in event values, keeping URLs clickable", () => {
    const title =
      "**bold** _it_ ~~s~~ ||spoiler|| `code` [click](https://evil.example/a_b) @everyone <@123456789012345678>";
    const { embed, body, message } = render(
      eventWith({ title, data: { "# key": "> quote\n- item <#123456789012345678> @here" } }),
    );
    expect(embed.title).toBe(
      String.raw`\*\*bold\*\* \_it\_ \~\~s\~\~ \|\|spoiler\|\| \`code\` \[click\]\(https://evil.example/a_b) @` +
        "\u200beveryone <@\u200b123456789012345678\\>",
    );
    expect(shown(embed.title)).toBe(title);
    // A backslash after a URL would become part of the link: brackets after one stay as they are.
    const bracketed = render(eventWith({ title: "(see https://a.example/a_b*c) [x]" })).embed.title;
    expect(bracketed).toBe(String.raw`\(see https://a.example/a_b*c) \[x\]`);
    const field = embed.fields?.[3];
    expect(field?.name).toBe(String.raw`\# key`);
    expect(field?.value).toBe("\\> quote\n\\- item <\\#123456789012345678\\> @\u200bhere");
    expect(discordAnswer(body).status).toBe(204);
    expect(discordPings(body)).toEqual([]);
    expect(message.allowed_mentions).toEqual({ parse: [] });
  });

  const HOSTILE = {
    mentions:
      "@everyone @here <@123456789012345678> <@!123456789012345678> <@&123456789012345678> <#123456789012345678>",
    markdown: "* _ ~ ` | > # - [ ] ( ) \\ **x** __y__ ```z```",
    link: "[login](https://evil.example) <https://evil.example>",
    control: "a\u0000b\u0001c\u001bd\u007fe\u0085f",
    rtl: "safe\u202Egpj.exe",
    surrogate: "cut \ud83d",
    newlines: "one\ntwo\r\nthree",
    nested: { list: [null, { deep: "@everyone" }] },
    empty: "",
  };

  it("puts hostile values through every text, content included, so that none can ping or show as a mention", () => {
    const source = `{"content": {{json title}}, "embeds": [{"title": {{json title}}, "description": {{json data.mentions}},
      "fields": [{{#each (flatten data)}}{{#unless @first}},{{/unless}}{"name": {{json @key}}, "value": {{json this}} }{{/each}}],
      "footer": {"text": {{json data.mentions}} }, "author": {"name": {{json data.markdown}} } }]}`;
    const event = eventWith({
      title: `${HOSTILE.mentions} ${HOSTILE.markdown}`,
      source: HOSTILE.mentions,
      data: HOSTILE,
    });
    const { message, body, warnings } = render(event, {}, source);

    expect(warnings).toEqual([]);
    expect(discordAnswer(body).status).toBe(204);
    const withoutAllowedMentions = JSON.stringify({ ...message, allowed_mentions: undefined });
    expect(discordPings(withoutAllowedMentions)).toEqual([]);
    const embed = message.embeds?.[0] as Embed;
    const texts = [message.content, embed.title, embed.description, embed.footer?.text, embed.author?.name];
    for (const text of [...texts, ...(embed.fields ?? []).flatMap((field) => [field.name, field.value])]) {
      expect(text).not.toMatch(MENTION_LIKE);
    }
    expect(shown(message.content)).toBe(event.title);
    // Footers and author names show no markdown: only the mentions are broken there.
    expect(embed.author?.name).toBe(HOSTILE.markdown);
    const values = Object.fromEntries((embed.fields ?? []).map((field) => [shown(field.name), field.value]));
    expect(values.control).toBe("abcdef");
    expect(values.rtl).toBe("safe\u202Egpj.exe");
    expect(values.surrogate).toBe("cut \ufffd");
    expect(shown(values.newlines)).toBe("one\ntwo\nthree"); // \r is a control character
    expect(values.empty).toBe("—");
    expect(values["nested.list.0"]).toBe("—");
    expect(body).not.toMatch(LONE_SURROGATE);
  });

  it("cuts 100 KB values to Discord's limits with … and a warning naming each, within 6,000 in all", () => {
    const long = "x".repeat(100 * 1024);
    const event = eventWith({ title: long, data: { summary: long, payload: long, short: "kept" } });
    const { embed, body, warnings } = render(event);

    expect(discordAnswer(body).status).toBe(204);
    expect(embed.title).toBe(`${"x".repeat(255)}…`);
    expect(chars(embed.description)).toBeLessThanOrEqual(4096);
    expect(embed.description).toMatch(/^x+…$/);
    const payload = embed.fields?.find((field) => field.name === "payload");
    expect(payload?.value).toMatch(/^x+…$/);
    expect(chars(payload?.value)).toBeLessThanOrEqual(1024);
    expect(embed.fields?.find((field) => field.name === "short")?.value).toBe("kept");
    expect(warnings).toContain("embeds[0].title: cut from 102400 to 256 characters");
    expect(warnings).toContainEqual(
      expect.stringMatching(/^embeds\[0\]\.description: cut from 102400 to \d+ characters$/),
    );
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^embeds\[0\]\.fields\[4\] \("payload"\)\.value: cut from 102400 to \d+ characters$/,
      ),
    );
  });

  it("breaks mentions in events at Herald's limits too: 10,000 data keys, data nested 32 levels", () => {
    const wide = Object.fromEntries(
      Array.from({ length: 10_000 }, (_, i) => [`field_${i}`, `@everyone ${i} ${"x".repeat(90)}`]),
    );
    let deep: Record<string, unknown> = { bottom: "@everyone **deep**" };
    for (let level = 1; level < 32; level++) deep = { level: deep };
    for (const data of [wide, deep]) expect(render(eventWith({ data })).body).not.toMatch(MENTION_LIKE);
  });

  it("never leaves an escaping backslash in front of the …", () => {
    const { embed, body } = render(eventWith({ title: "*".repeat(1000) }));
    expect(embed.title).toBe(`${"\\*".repeat(127)}…`);
    expect(discordAnswer(body).status).toBe(204);
  });

  it("shows the first fields of a 500-key data object and counts the rest in the last one", () => {
    const data = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key_${i}`, `value ${i}`]));
    const { embed, warnings, body } = render(eventWith({ data }), { max_fields: 10 });
    expect(embed.fields).toHaveLength(10);
    expect(embed.fields?.[9]).toEqual({ name: "+494 more", value: String.raw`not shown: max\_fields is 10` });
    expect(warnings).toEqual(["embeds[0].fields: 494 left out, max_fields is 10"]);
    expect(discordAnswer(body).status).toBe(204);
  });

  it("mentions the configured role for events at or above mention_severity, and lets only it ping", () => {
    const critical = render(fixtureEvent("pentest-critical-finding"), { mention: ROLE });
    expect(critical.message.content).toBe(ROLE);
    expect(critical.message.allowed_mentions).toEqual({ parse: [], roles: ["123456789012345678"] });
    expect(discordPings(critical.body)).toEqual(["role:123456789012345678"]);
    expect(discordAnswer(critical.body).status).toBe(204);

    const high = render(fixtureEvent("website-defender-auto-ban"), { mention: ROLE });
    expect(high.message.content).toBeUndefined();
    expect(discordPings(high.body)).toEqual([]);

    const here = render(fixtureEvent("website-defender-auto-ban"), {
      mention: "@here <@234567890123456789>",
      mention_severity: "high",
    });
    expect(here.message.allowed_mentions).toEqual({ parse: ["everyone"], users: ["234567890123456789"] });
    expect(discordPings(here.body)).toEqual(["@everyone", "user:234567890123456789"]);
  });

  it("puts the mention before the template's content and cuts the content to fit 2,000", () => {
    const source = `{"content": {{json title}} }`;
    const { message, warnings, body } = render(
      fixtureWith("pentest-critical-finding", { title: "y".repeat(3000) }),
      { mention: ROLE },
      source,
    );
    expect(message.content).toBe(`${ROLE} ${"y".repeat(2000 - ROLE.length - 2)}…`);
    expect(warnings).toEqual([`content: cut from 3000 to ${2000 - ROLE.length - 1} characters`]);
    expect(message).not.toHaveProperty("embeds");
    expect(discordAnswer(body).status).toBe(204);
  });

  it("sends the username and avatar_url options", () => {
    const { message } = render(fixtureEvent("mailserver-auth-failed"), {
      username: "Herald alerts",
      avatar_url: "https://herald.example/avatar.png",
    });
    expect(message.username).toBe("Herald alerts");
    expect(message.avatar_url).toBe("https://herald.example/avatar.png");
  });

  it("keeps a template's colour and http(s) link, leaves out a link of another kind, dates the embed with the event", () => {
    const event = fixtureEvent("wallarm-vulnerability");
    const embedOf = (json: string) => render(event, {}, `{"embeds": [${json}]}`);
    const kept = embedOf(
      `{"title": "t", "color": 255, "timestamp": "2020-01-01T00:00:00Z", "url": "http://x.example/"}`,
    );
    expect(kept.embed).toMatchObject({ color: 255, timestamp: event.time, url: "http://x.example/" });
    const script = embedOf(`{"title": "t", "url": "javascript:alert(1)"}`);
    expect(script.embed).not.toHaveProperty("url");
    expect(script.warnings).toEqual(["embeds[0].url: left out, Discord takes only http(s) URLs"]);
    expect(embedOf(`{"title": "t", "url": ""}`).warnings).toEqual([]);
  });

  it("holds a template's surplus embeds to 10 and drops empty texts Discord would refuse", () => {
    const source = `{"embeds": [{{#each data}}{{#unless @first}},{{/unless}}{"title": {{json this}}, "footer": {"text": ""} }{{/each}}]}`;
    const data = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, `embed ${i}`]));
    const { message, warnings, body } = render(eventWith({ data }), {}, source);
    expect(message.embeds).toHaveLength(10);
    expect(message.embeds?.[0]).not.toHaveProperty("footer");
    expect(warnings).toEqual(["embeds: 2 left out, Discord takes at most 10"]);
    expect(discordAnswer(body).status).toBe(204);
  });

  it("refuses what Discord could not take", () => {
    const event = fixtureEvent("website-defender-auto-ban");
    expect(() => render(event, {}, `{"content": {{title}} }`)).toThrow(/valid JSON/);
    expect(() => render(event, {}, `[{{json title}}]`)).toThrow(/JSON object/);
    expect(() => render(event, {}, `{"embeds": {"title": "x"} }`)).toThrow(/array of objects/);
    expect(() => render(event, {}, `{"embeds": [{"title": "x", "color": "red"}]}`)).toThrow(
      /color must be an integer/,
    );
    expect(() => render(event, {}, `{"embeds": [{"fields": {"a": 1} }]}`)).toThrow(/fields must be an array/);
    expect(() => render(event, {}, `{"content": "  "}`)).toThrow(/empty message/);
  });
});

describe("discord format with limit_policy split", () => {
  const data = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`field_${i}`, "v".repeat(60)]));
  const event = eventWith({ severity: "critical", data });

  it("pings in the first message only, and starts every other with the title, its severity and its part", () => {
    const rendered = render(event, { limit_policy: "split", mention: ROLE, mention_severity: "high" });
    const bodies = [rendered.body, ...(rendered.parts ?? [])];
    expect(bodies.length).toBeGreaterThan(2);
    for (const [index, body] of bodies.entries()) {
      expect(discordAnswer(body).status).toBe(204);
      const message = JSON.parse(body) as DiscordMessage;
      expect(discordPings(body)).toEqual(index === 0 ? ["role:123456789012345678"] : []);
      if (index > 0) expect(message.content).toBeUndefined();
      const [first] = message.embeds ?? [];
      expect(shown(first?.title)).toBe(event.title);
      expect(first?.color).toBe(COLORS.critical);
      expect(first?.footer?.text).toMatch(new RegExp(`CRITICAL · part ${index + 1} of ${bodies.length}$`));
      for (const embed of message.embeds ?? []) expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(25);
    }
    expect(rendered.embed.footer?.text).toBe(`Herald · CRITICAL · part 1 of ${bodies.length}`);
    const names = bodies.flatMap(
      (body) => (JSON.parse(body) as DiscordMessage).embeds?.flatMap((embed) => embed.fields ?? []) ?? [],
    );
    expect(names.filter((field) => shown(field.name).startsWith("field_"))).toHaveLength(600);
  });
});
