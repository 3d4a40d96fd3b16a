import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { type SlackOptions, slackFormat } from "../../src/formats/slack";
import { flattenObject, valueText } from "../../src/text";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { fixtureWith, renderWith } from "../support/render";
import { firstFieldsOf, otherDataFields } from "./contract/first-fields";
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

/** The fixtures' links, as the button's text and URL. */
const LINKS: Record<string, [string, string]> = {
  "wallarm-vulnerability": ["Open in wallarm", "https://my.wallarm.com/object/282157"],
  "pentest-critical-finding": ["Open app.acme.example", "https://app.acme.example/api/upload"],
};

const button = (text: string, url: string) => ({
  type: "button",
  text: { type: "plain_text", text, emoji: true },
  url,
});

describe("slack format", () => {
  it.each(allFixtureEvents())(
    "renders $name as header, section with its key fields first, buttons for its links, and context",
    ({ name, event }) => {
      const { message, warnings } = render(event);
      const [header, section, ...rest] = message.blocks;
      const context = rest.at(-1);
      expect(header).toEqual({
        type: "header",
        text: { type: "plain_text", text: event.title, emoji: true },
      });
      expect(unescapeMrkdwn(section?.text?.text ?? "").startsWith(`*${event.title}*`)).toBe(true);
      expect(unescapeMrkdwn(message.text)).toBe(
        `${EMOJI[event.severity]} ${event.severity.toUpperCase()}: ${event.title}`,
      );

      const first = firstFieldsOf(name);
      const all = [
        ...first.map(({ label, value }) => fieldText(label, value)),
        ...otherDataFields(event, first).map(([key, value]) => fieldText(key, value)),
      ];
      const shown = all.length > 10 ? all.slice(0, 9) : all;
      const texts = section?.fields?.map((field) => unescapeMrkdwn(field.text)) ?? [];
      expect(texts.slice(0, first.length)).toEqual(first.map(({ label, value }) => fieldText(label, value)));
      expect(texts.slice(0, shown.length)).toEqual(shown);
      if (all.length > 10) {
        expect(section?.fields?.[9]?.text).toBe(`_+${all.length - 9} more_`);
        expect(warnings).toEqual([`blocks[1].fields: ${all.length - 9} left out, max_fields is 10`]);
      } else {
        expect(warnings).toEqual([]);
      }

      expect(rest.slice(0, -1)).toEqual(
        LINKS[name] ? [{ type: "actions", elements: [button(...(LINKS[name] as [string, string]))] }] : [],
      );
      expect(context?.elements?.map((element) => unescapeMrkdwn(element.text))).toEqual([
        `${EMOJI[event.severity]} *${event.severity.toUpperCase()}*`,
        `${event.type} from ${event.source}`,
        `${event.time.slice(0, 19).replace("T", " ")} UTC`,
      ]);
    },
  );

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
    expect(message.blocks[1]?.fields?.map((field) => field.text)).toEqual([
      "*Source IP*\n198.51.100.23",
      "_+3 more_",
    ]);
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

  it("shows pinned fields first, in their order, then the key fields, then the rest", () => {
    const event = fixtureEvent("wallarm-hit-sqli");
    const { message } = render(event, { fields: ["data.tor", "data.domain", "data.point", "subject"] });
    expect(message.blocks[1]?.fields?.slice(0, 8).map((field) => field.text)).toEqual([
      "*tor*\nnone",
      "*Host*\nexample.com",
      '*point*\n["get","id"]',
      "*Source IP*\n111.17.1.1",
      "*Source port*\n41616",
      "*Path*\n/",
      "*Method*\nGET",
      "*Action*\nmonitored",
    ]);
    // Each field is shown once: not again in the rest under its own name.
    const names = message.blocks[1]?.fields?.map((field) => field.text.split("\n")[0]) ?? [];
    expect(names.filter((name) => /^\*(tor|domain|point\.\d|remote_addr4)\*$/.test(name ?? ""))).toEqual([
      "*tor*",
    ]);
    // A path the event does not have (or has as null, as the subject here) is left out; the
    // event's own fields may be pinned too.
    const other = render(fixtureEvent("website-defender-auto-ban"), { fields: ["data.missing", "source"] });
    expect(other.message.blocks[1]?.fields?.[0]?.text).toBe("*source*\nwebsite-defender");
  });

  it("finds key fields under ECS names, nested or dotted, and shows them under their labels", () => {
    const nested = render(eventWith({ data: { note: "x", source: { ip: "198.51.100.9", port: 4444 } } }));
    expect(nested.message.blocks[1]?.fields?.map((field) => field.text)).toEqual([
      "*Source IP*\n198.51.100.9",
      "*Source port*\n4444",
      "*note*\nx",
    ]);
    const dotted = render(eventWith({ data: { note: "x", "user.name": "bob", "source.ip": "2001:db8::1" } }));
    expect(dotted.message.blocks[1]?.fields?.map((field) => field.text)).toEqual([
      "*Source IP*\n2001:db8::1",
      "*User*\nbob",
      "*note*\nx",
    ]);
  });

  it("makes a button of every http(s) link, escaping nothing it should not, and drops a javascript: link with a warning", () => {
    const event = eventWith({
      data: {
        link: "javascript:alert(document.cookie)",
        links: [
          "https://a.example/1",
          { url: "https://b.example/2", title: "Runbook" },
          { url: "data:text/html,x" },
        ],
        url: "/relative/path",
      },
    });
    const { message, warnings } = render(event);
    expect(message.blocks[2]).toEqual({
      type: "actions",
      elements: [
        button("Open in website-defender", "https://a.example/1"),
        button("Runbook", "https://b.example/2"),
      ],
    });
    expect(warnings).toEqual([
      "data.link: left out, only http(s) links are shown, not javascript:",
      "data.links[2]: left out, only http(s) links are shown, not data:",
    ]);
    expect(JSON.stringify(message.blocks[2])).not.toMatch(/javascript:|data:text/);
  });

  it("makes a link from link_template, its values percent-encoded, and cuts a long button text", () => {
    const template = "https://my.wallarm.com/search?q={data.id.1}&ip={data.remote_addr4}#{type}";
    const { message } = render(fixtureEvent("wallarm-hit-sqli"), { link_template: template });
    expect(message.blocks[2]).toEqual({
      type: "actions",
      elements: [
        button("Open in wallarm", "https://my.wallarm.com/search?q=vpuRfnIBVc0URvOZ6ALA&ip=111.17.1.1#hit"),
      ],
    });
    const hostile = render(eventWith({ source: "s".repeat(100), data: { subject: "javascript:x" } }), {
      link_template: "https://x.example/{data.subject}",
    });
    const actions = hostile.message.blocks[2] as unknown as {
      elements: { text: { text: string }; url: string }[];
    };
    const [element] = actions.elements;
    expect(element?.url).toBe("https://x.example/javascript%3Ax");
    expect(Array.from(element?.text.text ?? "")).toHaveLength(75);
    expect(hostile.warnings).toEqual(["link_template: the link's title cut to 75 characters"]);
    const missing = render(eventWith({}), { link_template: "https://x.example/{data.nothing}" });
    expect(missing.message.blocks.map((block) => block.type)).toEqual(["header", "section", "context"]);
    expect(missing.warnings).toEqual([
      "link_template: {data.nothing} has no text in this event, so it has no link",
    ]);
  });

  it("refuses what Slack could not parse", () => {
    const event = fixtureEvent("website-defender-auto-ban");
    expect(() => render(event, {}, `{"text": {{title}} }`)).toThrow(/valid JSON/);
    expect(() => render(event, {}, `[{{json title}}]`)).toThrow(/JSON object/);
    expect(() => render(event, {}, `{"blocks": {"type": "divider"} }`)).toThrow(/array of objects/);
  });
});

describe("slack format with limit_policy split", () => {
  const data = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`field_${i}`, "v".repeat(60)]));
  const event = eventWith({
    severity: "critical",
    data: { ...data, link: "https://defender.example/ban/1" },
  });
  const options = { limit_policy: "split" as const, mention: "<!here>", mention_severity: "high" as const };

  it("repeats the header and context in every part, says which part it is, and mentions in the first only", () => {
    const rendered = renderWith(slackFormat, event, options);
    const messages = [rendered.body, ...(rendered.parts ?? [])].map(
      (body) => JSON.parse(body) as SlackMessage,
    );
    expect(messages.length).toBeGreaterThan(2);
    const first = render(event, options).message;
    for (const [index, message] of messages.entries()) {
      expect(limitViolations(message)).toEqual([]);
      expect(message.blocks[0]).toEqual(first.blocks[0]);
      expect(message.blocks[1]).toEqual({
        type: "context",
        elements: [{ type: "mrkdwn", text: `_part ${index + 1} of ${messages.length}_` }],
      });
      expect(message.blocks.at(-1)).toEqual(first.blocks.at(-1));
      expect(message.text).toMatch(new RegExp(`CRITICAL: .* \\(part ${index + 1} of ${messages.length}\\)$`));
      expect(JSON.stringify(message).includes("<!here>")).toBe(index === 0);
    }
    // The section's text goes once, in the first part; the buttons once, after the fields, as in the template.
    const types = messages.map((message) => message.blocks.map((block) => block.type));
    expect(types.flat().filter((type) => type === "actions")).toHaveLength(1);
    expect(types.at(-1)).toContain("actions");
    expect(messages[0]?.blocks[2]?.text?.text).toMatch(/^<!here> \*/);
    expect(
      messages
        .slice(1)
        .every((message) => message.blocks.every((block) => !block.text || block.type !== "section")),
    ).toBe(true);
  });

  it("holds every section to max_fields, continuing the fields in sections of their own", () => {
    const rendered = renderWith(slackFormat, event, { ...options, max_fields: 4 });
    const sections = [rendered.body, ...(rendered.parts ?? [])]
      .flatMap((body) => (JSON.parse(body) as SlackMessage).blocks)
      .filter((block) => block.type === "section");
    expect(sections.every((section) => (section.fields?.length ?? 0) <= 4)).toBe(true);
    expect(sections.flatMap((section) => section.fields ?? [])).toHaveLength(601);
  });
});
