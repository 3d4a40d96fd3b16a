import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { renderBatch } from "../../src/formats/batch";
import { discordFormat } from "../../src/formats/discord";
import type { Format, Rendered } from "../../src/formats/format";
import { humanContext } from "../../src/formats/human";
import { slackFormat } from "../../src/formats/slack";
import { teamsFormat } from "../../src/formats/teams";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { fixtureWith, NOW, renderWith } from "../support/render";
import { shown } from "./contract/discord";
import { LARGEST_EVENTS } from "./contract/events";
import type { Json } from "./contract/row";
import { ROWS } from "./contract/rows";
import { type SlackMessage, unescapeMrkdwn } from "./contract/slack";
import { cardElements, cardFacts } from "./contract/teams";

// limit_policy of the formats people read: truncate (the default, what they always did), split
// (several messages, each within the receiver's limits) and reject (a FormatError naming the limit).

/** At least `bytes` of UTF-8 made of `unit` repeated. */
const atLeast = (bytes: number, unit: string) => unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
const LONG = atLeast(100 * 1024, 'x<&>|=\\"]\n🚨 ');

/** 2,000 data keys, two of them (and the title) 100 KB of characters every format escapes. */
function hostileEvent(): HeraldEvent {
  const data: Record<string, unknown> = { summary: LONG };
  for (let i = 1; i < 1999; i++) data[`key_${i}`] = `<value ${i}> & *more* @here`;
  data.blob = LONG;
  return fixtureWith("website-defender-auto-ban", { title: LONG, data });
}

/** What each format shows of a part: its fields' labels, its title, and what says which part it is. */
interface PartReader {
  labels(body: string): string[];
  title(body: string): string;
  /** The texts that say which part it is ("part i of n") and, beside the title, the severity. */
  partText(body: string): string;
  /** The fields a format shows besides the event's (Severity, Type, …), after its key fields. */
  fixed: string[];
}

const slackReader: PartReader = {
  labels: (body) =>
    (JSON.parse(body) as SlackMessage).blocks
      .filter((block) => block.type === "section")
      .flatMap((block) => block.fields ?? [])
      .map((field) => unescapeMrkdwn(field.text))
      .map((text) => text.slice(1, text.indexOf("*\n"))),
  title: (body) => (JSON.parse(body) as SlackMessage).blocks[0]?.text?.text ?? "",
  partText: (body) =>
    (JSON.parse(body) as SlackMessage).blocks
      .filter((block) => block.type === "context")
      .flatMap((block) => block.elements ?? [])
      .map((element) => element.text)
      .join(" "),
  fixed: [],
};

const card = (body: string): Json => JSON.parse(body).attachments[0].content;
const teamsReader: PartReader = {
  labels: (body) => cardFacts(card(body)).map((fact) => fact.title),
  title: (body) => String(cardElements(card(body)).find((element) => element.type === "TextBlock")?.text),
  partText: (body) =>
    [
      ...cardElements(card(body))
        .filter((element) => element.type === "TextBlock")
        .map((element) => element.text),
      ...cardFacts(card(body)).map((fact) => fact.value),
    ].join(" "),
  fixed: ["Severity", "Type", "Source", "Time", "Event ID"],
};

const embeds = (body: string): Json[] => JSON.parse(body).embeds;
const discordReader: PartReader = {
  labels: (body) =>
    embeds(body).flatMap((embed) => (embed.fields ?? []).map((field: Json) => shown(field.name))),
  title: (body) => shown(embeds(body)[0]?.title),
  partText: (body) =>
    [
      embeds(body)[0]?.footer?.text,
      ...embeds(body).flatMap((embed) => (embed.fields ?? []).map((field: Json) => field.value)),
    ].join(" "),
  fixed: ["Severity", "Type", "Event ID"],
};

const FORMATS: { format: Format<any>; reader: PartReader; maxFields?: number }[] = [
  { format: slackFormat, reader: slackReader, maxFields: 10 },
  { format: teamsFormat, reader: teamsReader },
  { format: discordFormat, reader: discordReader, maxFields: 25 },
];

const bodiesOf = (rendered: Rendered) => [rendered.body, ...(rendered.parts ?? [])];

/** Every field the event has, as the format labels them, in the order its template shows them. */
function allLabels(event: HeraldEvent, fixed: string[]): string[] {
  const { key_fields, other_fields } = humanContext(event, {}, undefined, []);
  return [...key_fields, ...fixed.map((label) => ({ label })), ...other_fields].map(({ label }) => label);
}

describe.each(FORMATS)("limit_policy of the $format.name format", ({ format, reader, maxFields }) => {
  const row = ROWS[format.name];
  const atMost = maxFields === undefined ? {} : { max_fields: maxFields };
  const cases = [
    {
      name: "wallarm-hit-sqli, max_fields at its maximum",
      event: fixtureEvent("wallarm-hit-sqli"),
      options: atMost,
    },
    { name: "2,000 data keys and 100 KB values", event: hostileEvent(), options: atMost },
    ...(maxFields === undefined
      ? []
      : [
          {
            name: "wallarm-hit-sqli, one field an embed or section",
            event: fixtureEvent("wallarm-hit-sqli"),
            options: { max_fields: 1 },
          },
        ]),
  ];

  it("takes truncate, split and reject, truncate by default, and refuses anything else", () => {
    expect(format.optionsSchema.parse({}).limit_policy).toBe("truncate");
    for (const policy of ["truncate", "split", "reject"]) {
      expect(format.optionsSchema.safeParse({ limit_policy: policy }).success).toBe(true);
    }
    const issues = format.optionsSchema.safeParse({ limit_policy: "cut" }).error?.issues;
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: ["limit_policy"],
        message: expect.stringMatching(/truncate .* split .* reject/),
      }),
    );
  });

  it.each(["wallarm-hit-sqli", "website-defender-auto-ban"])(
    "renders %s with truncate exactly as its golden file, whether named or by default",
    (name) => {
      const golden = readFileSync(join(import.meta.dirname, "golden", format.name, `${name}.json`), "utf8");
      const truncated = renderWith(format, fixtureEvent(name), { limit_policy: "truncate" });
      expect(truncated.body).toBe(golden);
      expect(truncated.parts).toBeUndefined();
      expect(renderWith(format, fixtureEvent(name)).body).toBe(golden);
    },
  );

  it.each(allFixtureEvents())(
    "sends $name, when it fits, with split and reject exactly as truncate",
    ({ event }) => {
      const truncated = renderWith(format, event);
      // An event cut by truncate does not fit: split and reject do otherwise (below).
      if (truncated.warnings.some((warning) => /cut from|left out/.test(warning))) return;
      for (const limit_policy of ["split", "reject"]) {
        const rendered = renderWith(format, event, { limit_policy });
        expect(rendered.body).toBe(truncated.body);
        expect(rendered.parts ?? []).toEqual([]);
        expect(rendered.warnings).toEqual(truncated.warnings);
      }
    },
  );

  it.each(cases)(
    "splits $name into parts the receiver each takes, with every field once",
    ({ event, options }) => {
      const rendered = renderWith(format, event, { ...options, limit_policy: "split" });
      const bodies = bodiesOf(rendered);
      for (const body of bodies) row?.receiverParses(body);
      // None lost, none twice, in order.
      expect(bodies.flatMap((body) => reader.labels(body))).toEqual(allLabels(event, reader.fixed));
      const title = Array.from(event.title).slice(0, 100).join("");
      for (const [index, body] of bodies.entries()) {
        // Each part reads on its own: the event's title and severity, and which part it is.
        expect(reader.title(body).replace(/\s/g, "")).toContain(title.slice(0, 20).replace(/\s/g, ""));
        expect(reader.partText(body).toUpperCase()).toContain(event.severity.toUpperCase());
        if (bodies.length > 1)
          expect(reader.partText(body)).toContain(`part ${index + 1} of ${bodies.length}`);
        else expect(reader.partText(body)).not.toMatch(/part \d+ of/);
      }
    },
  );

  it("splits 2,000 fields into several messages and still cuts a value too long for any one, saying so", () => {
    const rendered = renderWith(format, hostileEvent(), { limit_policy: "split" });
    expect(rendered.parts?.length).toBeGreaterThan(2);
    const receiver =
      format.name === "teams"
        ? "the most a Teams text keeps"
        : `more than one ${format.name === "slack" ? "Slack" : "Discord"} message takes`;
    expect(rendered.warnings).toContainEqual(
      expect.stringMatching(new RegExp(`cut from \\d+ to \\d+ characters, ${receiver}`)),
    );
    expect(rendered.warnings.join("\n")).not.toMatch(/left out/);
  });

  it("sends an event whose only excess is a long text as one message, the text cut and said so", () => {
    const event = fixtureWith("website-defender-auto-ban", { data: { summary: LONG, short: "kept" } });
    const rendered = renderWith(format, event, { limit_policy: "split" });
    expect(rendered.parts ?? []).toEqual([]);
    row?.receiverParses(rendered.body);
    expect(reader.partText(rendered.body)).not.toMatch(/part \d+ of/);
    expect(rendered.warnings).toContainEqual(expect.stringMatching(/cut from \d+ to \d+ characters/));
    expect(reader.labels(rendered.body)).toEqual(allLabels(event, reader.fixed));
  });

  it("sends at most 25 parts, the last saying how many fields it could not carry", () => {
    const widest = LARGEST_EVENTS[0]?.event as HeraldEvent;
    const rendered = renderWith(format, widest, { limit_policy: "split" });
    const bodies = bodiesOf(rendered);
    expect(bodies).toHaveLength(25);
    for (const body of bodies) row?.receiverParses(body);
    expect(reader.partText(bodies[24] ?? "")).toMatch(/part 25 of 25, \d+ more fields not sent/);
    expect(rendered.warnings).toContainEqual(
      expect.stringMatching(
        /^limit_policy split: \d+ more messages \(\d+ fields\) left out, at most 25 are sent$/,
      ),
    );
  });

  it("rejects an event that would have to be cut, naming the limit", () => {
    const expected = {
      slack:
        /^the Slack message needs 2000 fields; sections hold 10 fields and a message 50 blocks \(limit_policy reject\)$/,
      teams:
        /^the Teams message needs \d+ bytes with its 2005 facts; Teams takes 28672 \(28 KB\) \(limit_policy reject\)$/,
      discord:
        /^the Discord message needs 2003 fields; an embed holds 25 fields and a message 10 embeds \(limit_policy reject\)$/,
    }[format.name];
    expect(() => renderWith(format, hostileEvent(), { limit_policy: "reject" })).toThrow(
      expect.objectContaining({ name: "FormatError", message: expect.stringMatching(expected ?? /never/) }),
    );
  });

  it("rejects a text longer than it keeps, naming the text", () => {
    const event = fixtureWith("website-defender-auto-ban", { data: { summary: LONG } });
    expect(() => renderWith(format, event, { limit_policy: "reject" })).toThrow(
      expect.objectContaining({
        name: "FormatError",
        message: expect.stringMatching(/\d+ characters.*\(limit_policy reject\)$/),
      }),
    );
  });
});

describe("limit_policy reject with Slack's and Discord's own counts", () => {
  it("names the fields a section or an embed would have had to leave out", () => {
    const event = fixtureEvent("wallarm-hit-sqli");
    expect(() => renderWith(slackFormat, event, { limit_policy: "reject" })).toThrow(
      "the Slack message needs 30 fields; sections hold 10 fields and a message 50 blocks (limit_policy reject)",
    );
    expect(() => renderWith(slackFormat, event, { limit_policy: "reject", max_fields: 5 })).toThrow(
      "sections hold 5 fields (max_fields)",
    );
    expect(() => renderWith(discordFormat, event, { limit_policy: "reject" })).toThrow(
      "the Discord message needs 33 fields; an embed holds 25 fields and a message 10 embeds (limit_policy reject)",
    );
  });
});

describe("a format that batches", () => {
  it("never sends parts: renderBatch refuses them, with one event or several", () => {
    const parted: Format<Record<string, unknown>> = {
      ...slackFormat,
      name: "batched",
      batch: { max: 10, separator: "\n" },
      optionsSchema: slackFormat.optionsSchema as never,
      render: () => ({ contentType: "application/json", body: "{}", warnings: [], parts: ["{}"] }),
    };
    const events = [fixtureEvent("wallarm-hit-sqli"), fixtureEvent("website-defender-auto-ban")];
    for (const batch of [events, events.slice(0, 1)]) {
      expect(() => renderBatch(parted, batch, {}, () => "", NOW)).toThrow(
        "the batched format batches events: it cannot send a message in parts",
      );
    }
  });
});
