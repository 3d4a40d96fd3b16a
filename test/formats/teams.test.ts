import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { type TeamsOptions, teamsFormat } from "../../src/formats/teams";
import { flattenObject, valueText } from "../../src/text";
import { adaptiveCardProblems } from "../support/adaptive-cards";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { fixtureWith, renderWith } from "../support/render";
import { firstFieldsOf, otherDataFields } from "./contract/first-fields";
import { cardElements, TEAMS_MAX_BYTES as MAX_BYTES, teamsCardProblems } from "./contract/teams";

interface Fact {
  title: string;
  value: string;
}
interface Element {
  type: string;
  text?: string;
  color?: string;
  wrap?: boolean;
  style?: string;
  facts?: Fact[];
  items?: Element[];
}
interface Card {
  version: string;
  body: Element[];
  actions?: { type: string; title: string; url: string }[];
  msteams?: { width?: string; entities?: unknown[] };
}

function render(event: HeraldEvent, options: Partial<TeamsOptions> = {}, source?: string) {
  const rendered = renderWith(teamsFormat, event, options, source);
  const message = JSON.parse(rendered.body);
  const card: Card = message.attachments[0].content;
  const factSets = card.body.filter((element) => element.type === "FactSet").map((set) => set.facts ?? []);
  return {
    ...rendered,
    message,
    card,
    bytes: Buffer.byteLength(rendered.body),
    /** The facts of every FactSet, in order. */
    facts: factSets.flat(),
    /** The facts of the last FactSet: the event's, then the rest of its data. */
    lastFacts: factSets.at(-1) ?? [],
    /** The card's TextBlocks, depth first: the title is the first. */
    texts: cardElements(card).filter((element) => element.type === "TextBlock") as Element[],
  };
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
const ALICE = { id: "alice@contoso.com", name: "Alice Example" };

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
    "renders $name as a full-width card: its title in a coloured Container, a FactSet of its key fields, one of the rest",
    ({ name, event }) => {
      const { card, facts, texts, warnings } = render(event);
      expect(warnings).toEqual([]);
      expect(teamsCardProblems(card)).toEqual([]);

      expect(card).toMatchObject({
        $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
        type: "AdaptiveCard",
        msteams: { width: "Full" },
      });
      expect(card.version).toBe("1.4");
      expect(card.body[0]).toMatchObject({ type: "Container", style: COLORS[event.severity] });
      expect(texts[0]).toMatchObject({ text: event.title, color: COLORS[event.severity], wrap: true });
      for (const text of texts) expect(text.wrap).toBe(true);

      const first = firstFieldsOf(name);
      const keyFacts = first.map(({ label, value }) => ({ title: label, value }));
      expect(card.body[1]).toEqual({ type: "FactSet", facts: keyFacts });
      const rest = otherDataFields(event, first).map(([title, value]) => ({
        title,
        value: valueText(value) || "—",
      }));
      expect(card.body[2]).toEqual({ type: "FactSet", facts: [...eventFacts(event), ...rest] });
      expect(facts[0]).toEqual(keyFacts[0]);
    },
  );

  it("makes an Action.OpenUrl of every http(s) link, and leaves out others with a warning", () => {
    const actionsOf = (event: HeraldEvent, options = {}) => render(event, options).card.actions;
    expect(actionsOf(fixtureEvent("wallarm-vulnerability"))).toEqual([
      { type: "Action.OpenUrl", title: "Open in wallarm", url: "https://my.wallarm.com/object/282157" },
    ]);
    expect(actionsOf(fixtureEvent("pentest-critical-finding"))).toEqual([
      { type: "Action.OpenUrl", title: "Open app.acme.example", url: "https://app.acme.example/api/upload" },
    ]);
    expect(actionsOf(fixtureEvent("mailserver-auth-failed"))).toBeUndefined();

    const script = render(
      eventWith({ data: { link: "javascript:alert(1)", url: 42, asset: "ftp://x.example/" } }),
    );
    expect(script.card.actions).toBeUndefined();
    expect(script.warnings).toEqual([
      "data.link: left out, only http(s) links are shown, not javascript:",
      "data.asset: left out, only http(s) links are shown, not ftp:",
    ]);
    expect(actionsOf(eventWith({ data: { link: "not a url", url: "https://x.example/a b?q=<1>" } }))).toEqual(
      [{ type: "Action.OpenUrl", title: "Open x.example", url: "https://x.example/a%20b?q=%3C1%3E" }],
    );
    const templated = render(fixtureEvent("website-defender-auto-ban"), {
      link_template: "https://defender.example/bans/{data.client_ip}",
    });
    expect(templated.card.actions).toEqual([
      {
        type: "Action.OpenUrl",
        title: "Open in website-defender",
        url: "https://defender.example/bans/192.168.1.100",
      },
    ]);
    expect(teamsCardProblems(templated.card)).toEqual([]);
  });

  it("mentions the configured user for events at or above mention_severity, as Teams documents it", () => {
    const critical = render(fixtureEvent("pentest-critical-finding"), { mention: ALICE });
    expect(critical.texts.map((text) => text.text)).toContain("<at>Alice Example</at>");
    expect(critical.card.msteams).toEqual({
      width: "Full",
      entities: [
        {
          type: "mention",
          text: "<at>Alice Example</at>",
          mentioned: { id: "alice@contoso.com", name: "Alice Example" },
        },
      ],
    });
    expect(teamsCardProblems(critical.card)).toEqual([]);

    const high = render(fixtureEvent("website-defender-auto-ban"), { mention: ALICE });
    expect(high.card.msteams).toEqual({ width: "Full" });
    expect(JSON.stringify(high.card)).not.toContain("<at>");
    const highEnough = render(fixtureEvent("website-defender-auto-ban"), {
      mention: ALICE,
      mention_severity: "high",
    });
    expect(highEnough.card.msteams?.entities).toHaveLength(1);
    for (const version of ["1.0", "1.5"] as const) {
      expect(
        teamsCardProblems(
          render(fixtureEvent("pentest-critical-finding"), { mention: ALICE, card_version: version }).card,
        ),
      ).toEqual([]);
    }
  });

  it("shows pinned fields first and finds a field under an ECS name", () => {
    const { card } = render(fixtureEvent("wallarm-hit-sqli"), {
      fields: ["data.response_status", "data.remote_addr4"],
    });
    expect(card.body[1]?.facts?.slice(0, 3)).toEqual([
      { title: "response_status", value: "404" },
      { title: "Source IP", value: "111.17.1.1" },
      { title: "Source port", value: "41616" },
    ]);
    const ecs = render(
      eventWith({ data: { source: { ip: "203.0.113.9" }, "url.original": "https://a.example/x" } }),
    );
    expect(ecs.card.body[1]?.facts).toEqual([
      { title: "Source IP", value: "203.0.113.9" },
      { title: "URL", value: "https://a.example/x" },
    ]);
    // No key field at all: no empty FactSet, which the card would not understand.
    const none = render(eventWith({ data: { note: "x" } }));
    expect(none.card.body.map((element) => element.type)).toEqual(["Container", "FactSet"]);
    expect(teamsCardProblems(none.card)).toEqual([]);
  });

  it("colours the Container by severity, and the title and summary, with named colours only", () => {
    for (const severity of ["info", "low", "medium", "high", "critical"] as const) {
      const { card, texts } = render(eventWith({ severity, data: { summary: "what happened" } }));
      const [title, summary] = texts;
      expect(card.body[0]?.style).toBe(COLORS[severity]);
      expect([title?.color, summary?.color]).toEqual([COLORS[severity], COLORS[severity]]);
      expect(summary?.text).toBe("what happened");
      expect(teamsCardProblems(card)).toEqual([]);
    }
    // Container styles other than default and emphasis came with card version 1.2.
    for (const card_version of ["1.0", "1.1"] as const) {
      const { card, texts } = render(eventWith({ severity: "critical" }), { card_version });
      expect(card.body[0]?.style).toBe("emphasis");
      expect(texts[0]?.color).toBe("attention");
      expect(teamsCardProblems(card)).toEqual([]);
    }
  });

  it("keeps hostile values exactly as sent", () => {
    const title = `<!channel> "quoted" \\ & \n🚨`;
    const event = eventWith({ title, type: "a\u2028b", source: "<src>", data: HOSTILE });
    const { card, facts, texts, warnings } = render(event);
    expect(warnings).toEqual([]);
    expect(teamsCardProblems(card)).toEqual([]);
    expect(texts[0]?.text).toBe(title);
    expect(facts).toEqual([...eventFacts(event), ...dataFacts(HOSTILE)]);
  });

  it("cuts 10 KB texts with … and a warning", () => {
    const event = eventWith({
      title: TEN_KB,
      data: { summary: TEN_KB, emoji: "🚨".repeat(5000), short: "kept" },
    });
    const { card, bytes, facts, texts, warnings } = render(event);
    expect(teamsCardProblems(card)).toEqual([]);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(texts[0]?.text).toBe(`${"x".repeat(1999)}…`);
    expect(facts.at(-1)).toEqual({ title: "short", value: "kept" });
    expect(facts.at(-2)?.value).toBe(`${"🚨".repeat(1999)}…`);
    // No key field in this data: body[1] is the FactSet of the event and the rest.
    expect(warnings).toEqual([
      "body[0].items[0].text: cut from 10240 to 2000 characters",
      "body[0].items[1].text: cut from 10240 to 2000 characters",
      "body[1].facts[5].value: cut from 10240 to 2000 characters",
      "body[1].facts[6].value: cut from 5000 to 2000 characters",
    ]);
  });

  it("folds the facts of a 500-key data object that do not fit 28 KB into one '+N more' fact", () => {
    const data = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`key_${i}`, `value ${i} `.repeat(10)]),
    );
    const event = eventWith({ data });
    const { card, bytes, facts, warnings } = render(event);

    expect(teamsCardProblems(card)).toEqual([]);
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

  it("keeps the key fields whole when the rest must be folded to fit 28 KB", () => {
    const data = {
      client_ip: "192.168.1.100",
      ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key_${i}`, `value ${i} `.repeat(10)])),
    };
    const { card, bytes, lastFacts, warnings } = render(eventWith({ data }));
    expect(teamsCardProblems(card)).toEqual([]);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(card.body[1]?.facts).toEqual([{ title: "Source IP", value: "192.168.1.100" }]);
    expect(lastFacts.at(-1)?.title).toMatch(/^\+\d+ more$/);
    expect(warnings).toEqual([expect.stringMatching(/^\d+ of 505 facts left out/)]);
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
    expect(teamsCardProblems(card)).toEqual([]);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(card.body.map((block) => block.text)).toEqual(Array(3).fill(`${"\u0001".repeat(999)}…`));
    expect(warnings).toEqual([0, 1, 2].map((i) => `body[${i}].text: cut from 10240 to 1000 characters`));
  });

  it("shows null and empty values as — and never an empty title", () => {
    const { card, facts, texts } = render(
      eventWith({ title: "", data: { none: null, empty: "", zero: 0, no: false } }),
    );
    expect(teamsCardProblems(card)).toEqual([]);
    expect(texts[0]?.text).toBe("auto_ban");
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
    expect(teamsCardProblems(card)).toEqual([]);
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

describe("teams format with limit_policy split", () => {
  const data = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`field_${i}`, "v".repeat(60)]));
  const event = fixtureWith("pentest-critical-finding", {
    data: { ...data, asset: "https://app.acme.example/x" },
  });
  const mention = { id: "alice@contoso.com", name: "Alice" };

  it("spreads the facts over cards under 28 KB, each with the title and its part, the mention and buttons in the first", () => {
    const rendered = renderWith(teamsFormat, event, { limit_policy: "split", mention });
    const cards = [rendered.body, ...(rendered.parts ?? [])].map(
      (body) => JSON.parse(body).attachments[0].content as Card,
    );
    expect(cards.length).toBeGreaterThan(1);
    for (const [index, card] of cards.entries()) {
      const body = index === 0 ? rendered.body : (rendered.parts?.[index - 1] ?? "");
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BYTES);
      expect(teamsCardProblems(card as never)).toEqual([]);
      const texts = cardElements(card as never).filter((element) => element.type === "TextBlock");
      expect(texts[0]?.text).toBe(event.title);
      expect(texts.map((text) => text.text)).toContain(`CRITICAL · part ${index + 1} of ${cards.length}`);
      expect(JSON.stringify(card).includes("<at>Alice</at>")).toBe(index === 0);
      expect(card.msteams?.entities !== undefined).toBe(index === 0);
      expect(card.actions !== undefined).toBe(index === 0);
    }
    const facts = cards.flatMap((card) => card.body.filter((element) => element.type === "FactSet"));
    expect(
      facts.flatMap((set) => set.facts ?? []).filter((fact) => fact.title.startsWith("field_")),
    ).toHaveLength(600);
  });
});
