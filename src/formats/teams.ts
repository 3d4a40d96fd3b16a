import { z } from "zod";
import type { Severity } from "../events/severity";
import { mostThatFit, truncateChars, valueText } from "../text";
import {
  type Format,
  FormatError,
  isObject,
  type JsonObject,
  parseTemplateJson,
  templateContext,
} from "./format";

/** Adaptive Card versions Teams renders. */
const CARD_VERSIONS = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"] as const;

const teamsOptionsSchema = z
  .object({
    card_version: z
      .enum(CARD_VERSIONS, {
        error: `must be an Adaptive Card version Teams renders: ${CARD_VERSIONS.join(", ")}`,
      })
      .default("1.4"),
  })
  .strict();
export type TeamsOptions = z.infer<typeof teamsOptionsSchema>;

/** Teams rejects hex colours in cards; these are the named ones. */
const SEVERITY_COLOR: Record<Severity, string> = {
  info: "accent",
  low: "good",
  medium: "warning",
  high: "attention",
  critical: "attention",
};

/** Microsoft's limit for a message posted to a Teams webhook: 28 KB. */
const MAX_BODY_BYTES = 28 * 1024;
/** Texts longer than the first cap are cut; the shorter caps only when the card still does not fit. */
const TEXT_CAPS = [2000, 1000, 500, 200, 100] as const;
/** Card properties that hold display text, and so may be cut. */
const TEXT_KEYS = new Set(["text", "title", "value"]);

/** Data fields that may carry a link to the event, in order of preference. */
const LINK_FIELDS = ["link", "url", "asset"];
const MAX_LINK_LENGTH = 2000;

/** The event's link (data.link, data.url or data.asset) when it is an http(s) URL, else "". */
export function eventLink(data: unknown): string {
  if (typeof data !== "object" || data === null) return "";
  for (const field of LINK_FIELDS) {
    const value = (data as Record<string, unknown>)[field];
    if (typeof value !== "string" || !URL.canParse(value)) continue;
    const { protocol, href } = new URL(value);
    if ((protocol === "https:" || protocol === "http:") && href.length <= MAX_LINK_LENGTH) return href;
  }
  return "";
}

/**
 * Microsoft Teams Workflows webhook: an Adaptive Card (templates/teams.hbs) in Teams' message
 * envelope. The card is held under 28 KB: long texts are cut, and the facts of the card's last
 * FactSet that do not fit become one "+N more" fact, each change said in a warning.
 */
export const teamsFormat: Format<TeamsOptions> = {
  name: "teams",
  description: "Microsoft Teams Workflows webhook: an Adaptive Card per event",
  contentType: "application/json",
  optionsSchema: teamsOptionsSchema,
  helpers: {
    /** A value as a quoted JSON string of its text: "value": {{teamsText this}}. */
    teamsText: (value: unknown) => JSON.stringify(valueText(value)),
    teamsColor: (severity: unknown) => SEVERITY_COLOR[severity as Severity] ?? "default",
    eventLink,
  },
  render({ event, options, template }) {
    const card = parseCard(template(templateContext(event, options)));
    const { body, warnings } = fitToTeams(card);
    return { contentType: "application/json", body, warnings };
  },
};

function parseCard(text: string): JsonObject {
  const card = parseTemplateJson(text);
  if (!isObject(card) || card.type !== "AdaptiveCard" || typeof card.version !== "string") {
    throw new FormatError(
      'the template must produce an Adaptive Card: an object with "type": "AdaptiveCard" and a "version"',
    );
  }
  return card;
}

function teamsMessage(card: JsonObject): JsonObject {
  return {
    type: "message",
    attachments: [
      { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card },
    ],
  };
}

function byteSize(body: string): number {
  return Buffer.byteLength(body, "utf8");
}

/** A text that was cut: the object holding it, where, and how long it was. */
interface Cut {
  holder: JsonObject;
  path: string;
  from: number;
}

/**
 * The message body, fitted into 28 KB: texts longer than the first cap are cut, then the last
 * FactSet keeps as many facts as fit. Only when the card does not fit even without those facts
 * are the texts cut shorter.
 */
function fitToTeams(card: JsonObject): { body: string; warnings: string[] } {
  // Most cards fit as the template made them: then there is nothing to copy, cut or measure again.
  const whole = JSON.stringify(teamsMessage(card));
  if (byteSize(whole) <= MAX_BODY_BYTES && !hasTextLongerThan(card, TEXT_CAPS[0])) {
    return { body: whole, warnings: [] };
  }
  for (const cap of TEXT_CAPS) {
    const fitted = structuredClone(card);
    const cuts = cutTexts(fitted, cap);
    const factSet = lastFactSet(fitted);
    const facts = factSet ? (factSet.facts as JsonObject[]) : [];
    const messageWith = (kept: number) => {
      if (factSet) factSet.facts = keepFacts(facts, kept);
      return teamsMessage(fitted);
    };
    const kept = mostThatFit(
      facts.length,
      (count) => byteSize(JSON.stringify(messageWith(count))) <= MAX_BODY_BYTES,
    );
    if (kept === undefined) continue;

    const dropped = new Set(facts.slice(kept));
    const warnings = cuts
      .filter((cut) => !dropped.has(cut.holder))
      .map((cut) => `${cut.path}: cut from ${cut.from} to ${cap} characters`);
    if (dropped.size) {
      warnings.push(
        `${dropped.size} of ${facts.length} facts left out to stay under Teams' 28 KB message limit`,
      );
    }
    return { body: JSON.stringify(messageWith(kept)), warnings };
  }
  throw new FormatError(
    `the card exceeds Teams' 28 KB message limit even with every text cut to ${TEXT_CAPS.at(-1)} characters`,
  );
}

/** Whether a display text may be longer than `cap`: its length in UTF-16 units is, at least. */
function hasTextLongerThan(node: unknown, cap: number): boolean {
  if (Array.isArray(node)) return node.some((child) => hasTextLongerThan(child, cap));
  if (!isObject(node)) return false;
  return Object.entries(node).some(([key, value]) =>
    typeof value === "string" && TEXT_KEYS.has(key) ? value.length > cap : hasTextLongerThan(value, cap),
  );
}

/** Cuts every display text longer than `cap` in place; returns the cuts. */
function cutTexts(node: unknown, cap: number, path = "", cuts: Cut[] = []): Cut[] {
  if (Array.isArray(node)) {
    for (const [index, child] of node.entries()) cutTexts(child, cap, `${path}[${index}]`, cuts);
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      const at = path ? `${path}.${key}` : key;
      if (typeof value === "string" && TEXT_KEYS.has(key)) {
        const cut = truncateChars(value, cap);
        if (cut === value) continue;
        cuts.push({ holder: node, path: at, from: Array.from(value).length });
        node[key] = cut;
      } else {
        cutTexts(value, cap, at, cuts);
      }
    }
  }
  return cuts;
}

function lastFactSet(card: JsonObject): JsonObject | undefined {
  const body = Array.isArray(card.body) ? card.body : [];
  return body.findLast(
    (element) => isObject(element) && element.type === "FactSet" && Array.isArray(element.facts),
  );
}

/** The first `kept` facts and, when some are left out, one that says how many. */
function keepFacts(facts: JsonObject[], kept: number): JsonObject[] {
  if (kept === facts.length) return facts;
  const more = {
    title: `+${facts.length - kept} more`,
    value: "left out to fit the Teams message size limit",
  };
  return [...facts.slice(0, kept), more];
}
