import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { type SlackOptions, slackFormat } from "../../src/formats/slack";
import { flattenObject, valueText } from "../../src/text";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { fixtureWith, renderWith } from "../support/render";
import { limitViolations, type SlackMessage, unescaped, unescapeMrkdwn } from "./contract/slack";

function render(event: HeraldEvent, options: Partial<SlackOptions> = {}, source?: string) {
  const rendered = renderWith(slackFormat, event, options, source);
  return { ...rendered, message: JSON.parse(rendered.body) as SlackMessage };
}

const fieldText = (key: string, value: unknown) => `*${key}*\n${valueText(value)}`;

const EMOJI = {
  info: ":information_source:",
  low: ":large_blue_circle:",
  medium: ":large_yellow_circle:",
  high: ":large_orange_circle:",
  critical: ":red_circle:",
};

const HOSTILE = {
  separators: `| \\ = ] " < > &`,
  channel: "<!channel>",
  link: "<https://evil.example|click>",
  newlines: "one\ntwo\r\nthree\rfour",
  unicode: "Ünïcødé 日本語 🚨🔥 \u200b\u2028\u2029",
  control: "\u0000\u0001\u001f\u007f",
  entities: "&amp; &lt;b&gt; &#60;",
  nested: { list: [null, { deep: "<@U024BE7LH>" }] },
  empty_list: [],
};

const TEN_KB = "x".repeat(10 * 1024);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const eventWith = (fields: Partial<HeraldEvent>) => fixtureWith("website-defender-auto-ban", fields);

describe("slack format", () => {
  it.each(allFixtureEvents())("renders $name as header, section with fields, and context", ({ event }) => {
    const { message, warnings } = render(event);
    const [header, section, context, ...rest] = message.blocks;
    expect(rest).toEqual([]);
    expect(header).toEqual({ type: "header", text: { type: "plain_text", text: event.title, emoji: true } });
    expect(unescapeMrkdwn(section?.text?.text ?? "").startsWith(`*${event.title}*`)).toBe(true);
    expect(unescapeMrkdwn(message.text)).toBe(
      `${EMOJI[event.severity]} ${event.severity.toUpperCase()}: ${event.title}`,
    );

    const data = Object.entries(flattenObject(event.data));
    const shown = data.length > 10 ? data.slice(0, 9) : data;
    expect(section?.fields?.slice(0, shown.length).map((field) => unescapeMrkdwn(field.text))).toEqual(
      shown.map(([key, value]) => fieldText(key, value)),
    );
    if (data.length > 10) {
      expect(section?.fields?.[9]?.text).toBe(`_+${data.length - 9} more_`);
      expect(warnings).toEqual([`blocks[1].fields: ${data.length - 9} left out, max_fields is 10`]);
    } else {
      expect(warnings).toEqual([]);
    }

    expect(context?.elements?.map((element) => unescapeMrkdwn(element.text))).toEqual([
      `${EMOJI[event.severity]} *${event.severity.toUpperCase()}*`,
      `${event.type} from ${event.source}`,
      `${event.time.slice(0, 19).replace("T", " ")} UTC`,
    ]);
  });

  it("escapes hostile values so they show exactly as sent and can neither ping nor link", () => {
    const title = `<!channel> <https://evil.example|click> & "quoted" \\ back`;
    const event = eventWith({ title, type: "<!here>", source: "a&b<c>", data: HOSTILE });
    const { message, warnings } = render(event);

    expect(warnings).toEqual([]);
    expect(unescaped(message)).toEqual([]);
    expect(message.blocks[0]?.text?.text).toBe(title); // plain_text: Slack neither parses nor links it
    expect(unescapeMrkdwn(message.text)).toBe(`${EMOJI.high} HIGH: ${title}`);
    expect(message.blocks[1]?.fields?.map((field) => unescapeMrkdwn(field.text))).toEqual(
      Object.entries(flattenObject(HOSTILE)).map(([key, value]) => fieldText(key, value)),
    );
    expect(unescapeMrkdwn(message.blocks[2]?.elements?.[1]?.text ?? "")).toBe("<!here> from a&b<c>");
  });

  it("cuts 10 KB values with … and a warning, never in the middle of an escape or a character", () => {
    const event = eventWith({
      title: TEN_KB,
      data: {
        plain: TEN_KB,
        ampersands: "&".repeat(5000),
        emoji: "🚨".repeat(5000),
        short: "<kept> & whole",
      },
    });
    const { message, warnings, body } = render(event);

    expect(limitViolations(message)).toEqual([]);
    expect(unescaped(message)).toEqual([]);
    expect(body).not.toMatch(LONE_SURROGATE);
    expect(message.blocks[0]?.text?.text).toBe(`${"x".repeat(149)}…`);
    expect(message.blocks[1]?.fields?.[3]?.text).toBe("*short*\n&lt;kept&gt; &amp; whole");
    for (const field of message.blocks[1]?.fields?.slice(0, 3) ?? []) expect(field.text).toMatch(/…$/);
    expect(warnings).toContain("blocks[0].text: cut from 10240 to 150 characters");
    expect(warnings).toContainEqual(
      expect.stringMatching(/^blocks\[1\]\.fields\[2\]: cut from 5008 to \d+ characters$/),
    );
    expect(message.text).toBe(`${EMOJI.high} HIGH: ${TEN_KB}`); // the notification text may be this long
  });

  it("shows the first fields of a 500-key data object and counts the rest", () => {
    const data = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`key_${i}`, `<value ${i}> & more`]),
    );
    const { message, warnings } = render(eventWith({ data }));

    expect(limitViolations(message)).toEqual([]);
    expect(unescaped(message)).toEqual([]);
    const fields = message.blocks[1]?.fields ?? [];
    expect(fields.map((field) => unescapeMrkdwn(field.text))).toEqual([
      ...Array.from({ length: 9 }, (_, i) => fieldText(`key_${i}`, `<value ${i}> & more`)),
      "_+491 more_",
    ]);
    expect(warnings).toEqual(["blocks[1].fields: 491 left out, max_fields is 10"]);
  });

  it("flattens nested objects, arrays and nulls into fields, and drops an empty field list", () => {
    const nested = render(eventWith({ data: { a: { b: [1, null, { c: true }] }, none: null, empty: {} } }));
    expect(nested.message.blocks[1]?.fields?.map((field) => field.text)).toEqual([
      "*a.b.0*\n1",
      "*a.b.1*\n",
      "*a.b.2.c*\ntrue",
      "*none*\n",
      "*empty*\n{}",
    ]);
    const empty = render(eventWith({ data: {} }));
    expect(empty.message.blocks[1]).not.toHaveProperty("fields");
    expect(empty.warnings).toEqual([]);
  });

  it("never sends an empty header, which Slack refuses", () => {
    const { message } = render(eventWith({ title: "" }));
    expect(message.blocks[0]?.text?.text).toBe("auto_ban");
  });

  it("honours max_fields", () => {
    const { message, warnings } = render(fixtureEvent("mailserver-auth-failed"), { max_fields: 2 });
    expect(message.blocks[1]?.fields?.map((field) => field.text)).toEqual(["*account*\nalice", "_+3 more_"]);
    expect(warnings).toEqual(["blocks[1].fields: 3 left out, max_fields is 2"]);
  });

  it("mentions the channel for events at or above mention_severity only", () => {
    const critical = render(fixtureEvent("pentest-critical-finding"), { mention: "<!here>" }).message;
    expect(critical.text).toMatch(/^<!here> :red_circle: CRITICAL: /);
    expect(critical.blocks[1]?.text?.text).toMatch(/^<!here> \*/);
    expect(unescaped(critical, "<!here>")).toEqual([]);

    const high = fixtureEvent("website-defender-auto-ban");
    expect(render(high, { mention: "<!here>" }).message.text).not.toContain("<!here>");
    expect(
      render(high, { mention: "<!subteam^SAZ94GDB8> <@U024BE7LH>", mention_severity: "high" }).message.text,
    ).toMatch(/^<!subteam\^SAZ94GDB8> <@U024BE7LH> :large_orange_circle: HIGH: /);
  });

  it("holds a template's surplus blocks to 50, saying how many were left out", () => {
    const manyBlocks = `{"blocks": [{{#each data}}{{#unless @first}},{{/unless}}
      {"type": "section", "text": {"type": "mrkdwn", "text": "{{mrkdwn this}}"} }{{/each}}
    ]}`;
    const data = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, `block ${i}`]));
    const { message, warnings } = render(eventWith({ data }), {}, manyBlocks);
    expect(message.blocks).toHaveLength(50);
    expect(message.blocks[49]).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: "_+11 more blocks_" }],
    });
    expect(warnings).toEqual(["blocks: 11 left out, Slack takes at most 50"]);
  });

  it("refuses what Slack could not parse", () => {
    const event = fixtureEvent("website-defender-auto-ban");
    expect(() => render(event, {}, `{"text": {{title}} }`)).toThrow(/valid JSON/);
    expect(() => render(event, {}, `[{{json title}}]`)).toThrow(/JSON object/);
    expect(() => render(event, {}, `{"blocks": {"type": "divider"} }`)).toThrow(/array of objects/);
  });
});
