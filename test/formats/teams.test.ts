import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { type TeamsOptions, teamsFormat } from "../../src/formats/teams";
import { flattenObject, valueText } from "../../src/text";
import { adaptiveCardProblems } from "../support/adaptive-cards";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { fixtureWith, renderWith } from "../support/render";
import { TEAMS_MAX_BYTES as MAX_BYTES } from "./contract/teams";

interface Fact {
  title: string;
  value: string;
}
interface Card {
  version: string;
  body: { type: string; text?: string; color?: string; facts?: Fact[] }[];
  actions?: { type: string; title: string; url: string }[];
}

function render(event: HeraldEvent, options: Partial<TeamsOptions> = {}, source?: string) {
  const rendered = renderWith(teamsFormat, event, options, source);
  const message = JSON.parse(rendered.body);
  const card: Card = message.attachments[0].content;
  return { ...rendered, message, card, bytes: Buffer.byteLength(rendered.body), facts: factsOf(card) };
}

function factsOf(card: Card): Fact[] {
  return card.body.find((element) => element.type === "FactSet")?.facts ?? [];
}

const eventFacts = (event: HeraldEvent): Fact[] => [
  { title: "Severity", value: event.severity.toUpperCase() },
  { title: "Type", value: event.type },
  { title: "Source", value: event.source },
  { title: "Time", value: `${event.time.slice(0, 19).replace("T", " ")} UTC` },
  { title: "Event ID", value: event.id },
];

/** Teams needs a text in every fact: an empty or null value shows as "—". */
const dataFacts = (data: Record<string, unknown>): Fact[] =>
  Object.entries(flattenObject(data)).map(([title, value]) => ({ title, value: valueText(value) || "—" }));

const COLORS = { info: "accent", low: "good", medium: "warning", high: "attention", critical: "attention" };

const HOSTILE = {
  separators: `| \\ = ] " < > &`,
  channel: "<!channel>",
  link: "<https://evil.example|click>",
  newlines: "one\ntwo\r\nthree\rfour",
  unicode: "Ünïcødé 日本語 🚨🔥 \u200b\u2028\u2029",
  control: "\u0000\u0001\u001f\u007f",
  markdown: "**bold** [click](https://evil.example)",
  nested: { list: [null, { deep: { deeper: false } }], empty: {} },
};

const TEN_KB = "x".repeat(10 * 1024);

const eventWith = (fields: Partial<HeraldEvent>) => fixtureWith("website-defender-auto-ban", fields);

describe("teams format", () => {
  it.each(allFixtureEvents())(
    "renders $name as a card of its title, event facts and data facts",
    ({ event }) => {
      const { card, facts, warnings } = render(event);
      expect(warnings).toEqual([]);

      expect(card).toMatchObject({
        $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
        type: "AdaptiveCard",
      });
      expect(card.version).toBe("1.4");
      expect(card.body[0]).toMatchObject({
        type: "TextBlock",
        text: event.title,
        color: COLORS[event.severity],
      });
      expect(facts).toEqual([...eventFacts(event), ...dataFacts(event.data)]);
    },
  );

  it("adds an Open action for an http(s) link in data.link, data.url or data.asset", () => {
    const actionUrl = (event: HeraldEvent) => render(event).card.actions?.map((action) => action.url);
    expect(actionUrl(fixtureEvent("wallarm-vulnerability"))).toEqual([
      "https://my.wallarm.com/object/282157",
    ]);
    expect(actionUrl(fixtureEvent("pentest-critical-finding"))).toEqual([
      "https://app.acme.example/api/upload",
    ]);
    expect(actionUrl(fixtureEvent("mailserver-auth-failed"))).toBeUndefined();
    expect(
      actionUrl(eventWith({ data: { link: "javascript:alert(1)", url: 42, asset: "ftp://x.example/" } })),
    ).toBeUndefined();
    expect(actionUrl(eventWith({ data: { link: "not a url", url: "https://x.example/a b?q=<1>" } }))).toEqual(
      ["https://x.example/a%20b?q=%3C1%3E"],
    );
  });

  it("colours the title and summary by severity with named colours only", () => {
    for (const severity of ["info", "low", "medium", "high", "critical"] as const) {
      const { card } = render(eventWith({ severity, data: { summary: "what happened" } }));
      const [title, summary] = card.body;
      expect([title?.color, summary?.color]).toEqual([COLORS[severity], COLORS[severity]]);
      expect(summary?.text).toBe("what happened");
      expect(adaptiveCardProblems(card)).toEqual([]);
    }
  });

  it("keeps hostile values exactly as sent", () => {
    const title = `<!channel> "quoted" \\ & \n🚨`;
    const event = eventWith({ title, type: "a\u2028b", source: "<src>", data: HOSTILE });
    const { card, facts, warnings } = render(event);
    expect(warnings).toEqual([]);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(card.body[0]?.text).toBe(title);
    expect(facts).toEqual([...eventFacts(event), ...dataFacts(HOSTILE)]);
  });

  it("cuts 10 KB texts with … and a warning", () => {
    const event = eventWith({
      title: TEN_KB,
      data: { summary: TEN_KB, emoji: "🚨".repeat(5000), short: "kept" },
    });
    const { card, bytes, facts, warnings } = render(event);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(card.body[0]?.text).toBe(`${"x".repeat(1999)}…`);
    expect(facts.at(-1)).toEqual({ title: "short", value: "kept" });
    expect(facts.at(-2)?.value).toBe(`${"🚨".repeat(1999)}…`);
    expect(warnings).toEqual([
      "body[0].text: cut from 10240 to 2000 characters",
      "body[1].text: cut from 10240 to 2000 characters",
      "body[2].facts[5].value: cut from 10240 to 2000 characters",
      "body[2].facts[6].value: cut from 5000 to 2000 characters",
    ]);
  });

  it("folds the facts of a 500-key data object that do not fit 28 KB into one '+N more' fact", () => {
    const data = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`key_${i}`, `value ${i} `.repeat(10)]),
    );
    const event = eventWith({ data });
    const { card, bytes, facts, warnings } = render(event);

    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(bytes).toBeGreaterThan(MAX_BYTES - 300); // as many facts as fit, not fewer
    const shown = facts.length - 1 - eventFacts(event).length;
    expect(facts.slice(0, -1)).toEqual([...eventFacts(event), ...dataFacts(data).slice(0, shown)]);
    expect(facts.at(-1)).toEqual({
      title: `+${500 - shown} more`,
      value: "left out to fit the Teams message size limit",
    });
    expect(warnings).toEqual([
      `${500 - shown} of 505 facts left out to stay under Teams' 28 KB message limit`,
    ]);
  });

  it("cuts texts shorter when even without facts the card would not fit", () => {
    // JSON writes each of these characters as six bytes: 2000 of them in three texts are 36 KB.
    const threeTexts = `{"type": "AdaptiveCard", "version": "1.4", "body": [
      {"type": "TextBlock", "text": {{teamsText title}} }, {"type": "TextBlock", "text": {{teamsText title}} },
      {"type": "TextBlock", "text": {{teamsText title}} }]}`;
    const { card, bytes, warnings } = render(
      eventWith({ title: "\u0001".repeat(10 * 1024) }),
      {},
      threeTexts,
    );
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(card.body.map((block) => block.text)).toEqual(Array(3).fill(`${"\u0001".repeat(999)}…`));
    expect(warnings).toEqual([0, 1, 2].map((i) => `body[${i}].text: cut from 10240 to 1000 characters`));
  });

  it("shows null and empty values as — and never an empty title", () => {
    const { card, facts } = render(
      eventWith({ title: "", data: { none: null, empty: "", zero: 0, no: false } }),
    );
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(card.body[0]?.text).toBe("auto_ban");
    expect(facts.slice(-4)).toEqual([
      { title: "none", value: "—" },
      { title: "empty", value: "—" },
      { title: "zero", value: "0" },
      { title: "no", value: "false" },
    ]);
  });

  it("writes the card version from card_version", () => {
    const { card } = render(fixtureEvent("mailserver-auth-failed"), { card_version: "1.2" });
    expect(card.version).toBe("1.2");
    expect(adaptiveCardProblems(card)).toEqual([]);
  });

  it("refuses what Teams could not parse", () => {
    const event = fixtureEvent("website-defender-auto-ban");
    expect(() => render(event, {}, `{"type": "AdaptiveCard", "body": {{title}} }`)).toThrow(/valid JSON/);
    expect(() => render(event, {}, `{"type": "message", "version": "1.4"}`)).toThrow(/Adaptive Card/);
    expect(() => render(event, {}, `{"type": "AdaptiveCard"}`)).toThrow(/version/);
  });
});

describe("adaptiveCardProblems", () => {
  const card = (body: unknown[]) => ({ type: "AdaptiveCard", version: "1.4", body });

  it("reports hex colours, unknown and misspelt properties and values of the wrong type", () => {
    expect(adaptiveCardProblems(card([{ type: "TextBlock", text: "x", color: "#ff0000" }]))).toEqual([
      'parse: Invalid value "#ff0000" for property "color".',
      "not understood: card.body[0].color",
    ]);
    expect(adaptiveCardProblems(card([{ type: "TextBlock", text: "x", colour: "good" }]))).toEqual([
      "not understood: card.body[0].colour",
    ]);
    expect(adaptiveCardProblems(card([{ type: "FactSet", facts: [{ title: "a", value: 1 }] }]))).toEqual([
      "not understood: card.body[0].facts[0].value",
    ]);
    expect(adaptiveCardProblems(card([{ type: "TextBlock", text: "x", style: "heading" }]))).toEqual([
      "not understood: card.body[0].style",
    ]);
  });
});
