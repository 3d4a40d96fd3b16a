import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { renderBatch } from "../../src/formats/batch";
import { checkedCefLine, walkedCefLine } from "../../src/formats/cef";
import { leadEvent } from "../../src/formats/digest";
import { type Format, isObject, type RenderTemplate, type TemplateContext } from "../../src/formats/format";
import { checkedLeefLine, walkedLeefLine } from "../../src/formats/leef";
import { FORMATS } from "../../src/formats/registry";
import { fitsAsItIs, fitToSlack, fitWholly } from "../../src/formats/slack-limits";
import { slackFitted } from "../../src/formats/slack-plain";
import { fitToTeams, teamsMessage } from "../../src/formats/teams-limits";
import { plainCardMessage } from "../../src/formats/teams-plain";
import { allFixtureEvents } from "../support/fixtures";
import { pick, seeded } from "../support/random";
import { engine, NOW } from "../support/render";
import { batchOf, HOSTILE_EVENTS, LARGEST_EVENTS } from "./contract/events";

// The formats check what they send more cheaply than before: JSON a proven template wrote is not
// parsed again (src/templates/json-proof.ts), Teams cards that need nothing cut are not parsed at
// all (teams-plain.ts), Slack messages that need nothing cut are not measured text by text
// (slack-limits.ts fitsAsItIs), CEF and LEEF lines are matched by one expression before any walk.
// Each shortcut must give exactly what the long way gives: these compare them.

const EVENTS: HeraldEvent[] = [
  ...allFixtureEvents().map(({ event }) => event),
  ...HOSTILE_EVENTS.map(({ event }) => event),
  ...LARGEST_EVENTS.map(({ event }) => event),
];

/** Options worth comparing per format, beside the defaults. */
const OPTIONS: Record<string, object[]> = {
  slack: [{ limit_policy: "reject" }, { limit_policy: "split" }, { max_fields: 3 }, { mention: "<!here>" }],
  teams: [
    { limit_policy: "reject" },
    { limit_policy: "split" },
    { card_version: "1.0" },
    { mention: { id: "alice@contoso.com", name: "Alice" }, mention_severity: "info" },
  ],
  discord: [{ limit_policy: "reject" }, { limit_policy: "split" }],
  splunk_hec: [{ index: "main", source: "s", host: "h", fields: { team: "sec" } }],
  pagerduty: [{ routing_key: "r".repeat(32) }],
};

function optionSets(format: Format<never>): object[] {
  const sets = [{}, ...(OPTIONS[format.name] ?? [])];
  return sets.filter((options) => format.optionsSchema.safeParse(options).success);
}

/** What a render gives: its result, or its error's kind and message. */
function outcome(render: () => unknown): unknown {
  try {
    return render();
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

/** The engine's template, and the same without the checked JSON: every output then parsed as before. */
function bothWays(format: Format<never>): [RenderTemplate, RenderTemplate] {
  const compiled = engine.compile(engine.defaultSource(format.name));
  return [compiled, (context: TemplateContext) => compiled(context)];
}

describe("what the formats send, checked the cheap way", () => {
  it.each(FORMATS.map((format) => [format.name, format] as const))(
    "%s: the same bodies, parts and warnings as when every output is parsed",
    (_name, format) => {
      const [checked, parsed] = bothWays(format);
      for (const options of optionSets(format)) {
        const parse = format.optionsSchema.parse(options);
        for (const event of EVENTS) {
          const render = (template: RenderTemplate) => () =>
            renderBatch(format, [event], parse, template, NOW);
          expect(outcome(render(checked))).toEqual(outcome(render(parsed)));
        }
        if (format.batch) {
          const events = batchOf(format.batch.max);
          const render = (template: RenderTemplate) => () =>
            renderBatch(format, events, parse, template, NOW);
          expect(outcome(render(checked))).toEqual(outcome(render(parsed)));
        }
        if (format.digest) {
          const events = [...batchOf(12), ...HOSTILE_EVENTS.map(({ event }) => event)];
          const digest = { events, group: { type: "auto_ban" } };
          const render = (template: RenderTemplate) => () =>
            format.render({ event: leadEvent(events), options: parse, template, now: NOW, digest });
          expect(outcome(render(checked))).toEqual(outcome(render(parsed)));
        }
      }
    },
  );

  it("a Slack message that fitsAsItIs is one the whole fitting leaves as it is", () => {
    const slack = FORMATS.find((format) => format.name === "slack") as Format<never>;
    const template = engine.compile(engine.defaultSource("slack"));
    let fits = 0;
    for (const event of EVENTS) {
      const context = captured(slack, event, template);
      const message = JSON.parse(template(context));
      for (const maxFields of [1, 3, 10]) {
        for (const variant of slackVariants(message)) {
          if (!fitsAsItIs(variant, maxFields)) continue;
          fits++;
          const fitted = structuredClone(variant);
          expect(fitWholly(fitted, maxFields)).toEqual([]);
          expect(fitted).toEqual(variant);
        }
      }
    }
    expect(fits).toBeGreaterThan(10);
  });

  it("a Slack message sent without a parse is the one parsing and fitting it sends", () => {
    const slack = FORMATS.find((format) => format.name === "slack") as Format<never>;
    const template = engine.compile(engine.defaultSource("slack"));
    let plain = 0;
    let cut = 0;
    for (const event of EVENTS) {
      const output = template.json?.(captured(slack, event, template));
      if (!output?.checked) continue;
      const message = JSON.parse(output.text);
      for (const variant of [...slackVariants(message), ...fieldVariants(message)]) {
        const json = JSON.stringify(variant);
        for (const maxFields of [1, 2, 3, 10]) {
          const fitted = slackFitted(json, maxFields);
          if (fitted === undefined) continue;
          plain++;
          if (fitted.warnings.length > 0) cut++;
          const parsed = JSON.parse(json);
          // What parseMessage takes: an object whose blocks, if any, are objects.
          const { blocks } = parsed;
          expect(blocks === undefined || (Array.isArray(blocks) && blocks.every(isObject))).toBe(true);
          const warnings = fitToSlack(parsed, maxFields);
          expect(fitted).toEqual({ body: JSON.stringify(parsed), warnings });
        }
      }
    }
    expect(plain).toBeGreaterThan(50);
    expect(cut).toBeGreaterThan(10);
  });

  it("a Teams card sent without a parse is the one parsing and fitting it sends", () => {
    const teams = FORMATS.find((format) => format.name === "teams") as Format<never>;
    const template = engine.compile(engine.defaultSource("teams"));
    let plain = 0;
    for (const event of EVENTS) {
      const output = template.json?.(captured(teams, event, template));
      if (!output?.checked) continue;
      const cards = [
        output.text,
        ...cardVariants(JSON.parse(output.text)).map((card) => JSON.stringify(card)),
      ];
      for (const cardJson of cards) {
        const body = plainCardMessage(cardJson);
        if (body === undefined) continue;
        plain++;
        const card = JSON.parse(cardJson);
        expect(card).toMatchObject({ type: "AdaptiveCard", version: expect.any(String) });
        expect(fitToTeams(card)).toEqual({ body, warnings: [] });
        expect(body).toBe(JSON.stringify(teamsMessage(card)));
      }
    }
    expect(plain).toBeGreaterThan(5);
  });

  it("CEF and LEEF lines matched at once are those the walk takes as they are", () => {
    const random = seeded(7);
    let valid = 0;
    for (let i = 0; i < 8000; i++) {
      const cef = mutated(random, randomCefLine(random));
      const leef = mutated(random, randomLeefLine(random));
      const cefChecked = outcome(() => checkedLineWith(checkedCefLine, cef));
      expect(cefChecked).toEqual(outcome(() => checkedLineWith(walkedCefLine, cef)));
      const leefChecked = outcome(() => checkedLineWith(checkedLeefLine, leef));
      expect(leefChecked).toEqual(outcome(() => checkedLineWith(walkedLeefLine, leef)));
      if (!(cefChecked as { error?: string }).error) valid++;
      if (!(leefChecked as { error?: string }).error) valid++;
    }
    // The lines reach both answers: taken as they are, cut, refused.
    expect(valid).toBeGreaterThan(3200);
    expect(valid).toBeLessThan(14400);
    for (const name of ["cef", "leef"]) {
      const format = FORMATS.find((candidate) => candidate.name === name) as Format<never>;
      const check = name === "cef" ? [checkedCefLine, walkedCefLine] : [checkedLeefLine, walkedLeefLine];
      const template = engine.compile(engine.defaultSource(name));
      for (const event of EVENTS) {
        const line = template(captured(format, event, template)).replace(/\n$/, "");
        expect(checkedLineWith(check[0] as never, line)).toEqual(checkedLineWith(check[1] as never, line));
      }
    }
  });
});

/** Pieces of header fields and values: mostly what the formats take, now and then what they refuse. */
const CEF_HEADER = ["a", "b c", "\\|", "\\\\", "é", "\t"];
const CEF_VALUE = ["a", " ", "b c", "\\=", "\\\\", "\\n", "\\r", "|", "é"];
const LEEF_TEXT = ["a", " ", "b c", "=", "\\", "é", "^", "\u00a0"];
const REFUSED = ["|", "=", "\\x", "\\", "\n", "\t"];

function randomText(random: () => number, pieces: string[], long = 0): string {
  const text = Array.from({ length: Math.floor(random() * 4) }, () =>
    pick(random, random() < 0.03 ? REFUSED : pieces),
  ).join("");
  return random() < 0.05 ? text + "x".repeat(long) : text;
}

function randomCefLine(random: () => number): string {
  const header = [63, 63, 31, 1023, 512].map((limit) => randomText(random, CEF_HEADER, limit));
  const severity = pick(random, ["0", "5", "10", "10", "High", "Very-High", "11", "x"]);
  const pairs = Array.from({ length: Math.floor(random() * 4) }, () => {
    return `${pick(random, ["k", "src", "cs1Label", "k", "bad key", ""])}=${randomText(random, CEF_VALUE)}`;
  });
  return `CEF:${pick(random, ["0", "0", "1", "2"])}|${header.join("|")}|${severity}|${pairs.join(" ")}`;
}

function randomLeefLine(random: () => number): string {
  const version = pick(random, ["2.0", "1.0", "3.0"]);
  const delimiter = version === "1.0" ? "\t" : pick(random, ["\t", "^", "|"]);
  const field = { "\t": "x09", "^": "^", "|": "x7C" }[delimiter] ?? "";
  const text = (long = 0) => randomText(random, LEEF_TEXT, long).replaceAll(delimiter, "");
  const header = [text(), text(), text(), text(255)].map((field) => field.replaceAll("|", ""));
  const attributes = Array.from({ length: Math.floor(random() * 4) }, () =>
    pick(random, [`k=${text()}`, `k=${text()}`, `key with space=${text()}`, "", "=v", "noequals"]),
  );
  const fields = version === "1.0" ? header : [...header, pick(random, [field, "x09", "xZZ", ""])];
  return `LEEF:${version}|${fields.join("|")}|${attributes.join(delimiter)}`;
}

/** Now and then, a character put in or taken out somewhere. */
function mutated(random: () => number, line: string): string {
  if (random() < 0.7) return line;
  const at = Math.floor(random() * (line.length + 1));
  return random() < 0.5
    ? line.slice(0, at) + pick(random, ["|", "=", "\\", " ", "\t"]) + line.slice(at)
    : line.slice(0, at) + line.slice(at + 1);
}

function checkedLineWith(check: (line: string, warnings: string[]) => string, line: string) {
  const warnings: string[] = [];
  return { line: check(line, warnings), warnings };
}

/** The context a format gives its template for `event`. */
function captured(format: Format<never>, event: HeraldEvent, template: RenderTemplate): TemplateContext {
  let context: TemplateContext | undefined;
  const recording = Object.assign(
    (given: TemplateContext) => {
      context = given;
      return template(given);
    },
    {
      json: (given: TemplateContext) => {
        context = given;
        return { text: template(given), checked: false as const };
      },
    },
  );
  const options = format.optionsSchema.parse({});
  try {
    format.render({ event, options, template: recording, now: NOW });
  } catch {
    // Refused, after rendering: the context was seen.
  }
  if (!context) throw new Error(`the ${format.name} format rendered nothing`);
  return context;
}

/** A message and the same near and past its limits. */
function slackVariants(message: Record<string, unknown>): Record<string, unknown>[] {
  const blocks = (message.blocks ?? []) as Record<string, unknown>[];
  const withBlocks = (more: Record<string, unknown>[]) => ({ ...structuredClone(message), blocks: more });
  const header = { type: "header", text: { type: "plain_text", text: "h".repeat(150) } };
  return [
    message,
    withBlocks([...structuredClone(blocks), header]),
    withBlocks([
      ...structuredClone(blocks),
      { ...header, text: { type: "plain_text", text: "h".repeat(151) } },
    ]),
    withBlocks([
      ...structuredClone(blocks),
      { type: "section", text: { type: "mrkdwn", text: "s" }, fields: [] },
    ]),
    withBlocks(Array.from({ length: 50 }, () => ({ type: "divider" }))),
    withBlocks(Array.from({ length: 51 }, () => ({ type: "divider" }))),
    withBlocks([
      {
        type: "actions",
        elements: Array.from({ length: 25 }, () => ({
          type: "button",
          text: { type: "plain_text", text: "b".repeat(75) },
        })),
      },
    ]),
    withBlocks([
      { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "b".repeat(76) } }] },
    ]),
    withBlocks([
      { type: "context", elements: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "c" })) },
    ]),
    withBlocks(
      Array.from({ length: 4 }, () => ({
        type: "section",
        text: { type: "mrkdwn", text: "🚨".repeat(1300) },
      })),
    ),
    { ...structuredClone(message), text: "t".repeat(40_001) },
  ];
}

/** A message with sections of many, few or no fields, in any key order, and blocks that are no objects. */
function fieldVariants(message: Record<string, unknown>): Record<string, unknown>[] {
  const field = (text: string) => ({ type: "mrkdwn", text });
  const section = (count: number, text = "f") => ({
    fields: Array.from({ length: count }, (_, i) => field(`${text}${i}`)),
    text: { type: "mrkdwn", text: "s" },
    type: "section",
  });
  const blocks = (message.blocks ?? []) as unknown[];
  const withBlocks = (more: unknown[]) => ({ ...structuredClone(message), blocks: more });
  return [
    ...[0, 1, 2, 3, 9, 10, 11, 30].map((count) => withBlocks([...structuredClone(blocks), section(count)])),
    withBlocks([section(12), section(4), section(40, "x".repeat(1999))]),
    withBlocks([section(5, "y".repeat(2000)), section(5, "y".repeat(2001))]),
    withBlocks([{ type: "section", fields: "not a list", text: { type: "mrkdwn", text: "s" } }]),
    withBlocks([{ type: "section", fields: [1, "two", null, field("a")] }]),
    withBlocks([{ type: "context", elements: [field("a"), "b", { text: { text: "c" } }] }]),
    withBlocks([
      { type: "actions", elements: [{ type: "button" }, "x", { text: { type: "plain_text", text: "b" } }] },
    ]),
    withBlocks([1, section(2)]),
    { ...structuredClone(message), blocks: null },
    { ...structuredClone(message), blocks: undefined, text: 5 },
  ];
}

/** A card and the same past its limits or not quite a card. */
function cardVariants(card: Record<string, unknown>): Record<string, unknown>[] {
  const body = (card.body ?? []) as unknown[];
  const withBody = (more: unknown[]) => ({ ...structuredClone(card), body: more });
  return [
    withBody([...body, { type: "TextBlock", text: "t".repeat(2000) }]),
    withBody([...body, { type: "TextBlock", text: "t".repeat(2001) }]),
    withBody([...body, { type: "TextBlock", text: '"'.repeat(1500) }]),
    withBody([...body, { type: "TextBlock", text: "🚨".repeat(5000) }]),
    withBody([...body, { type: "Other", label: "x".repeat(2001) }]),
    { ...structuredClone(card), version: 1.4 },
    { ...structuredClone(card), type: "Adaptivecard" },
    { version: "1.4", body, type: "AdaptiveCard" },
  ];
}
