import { charCount, mostThatFit, truncateChars } from "../text";
import { FormatError, isObject, type JsonObject } from "./format";
import { firstOf, rejected } from "./limit-policy";

// Teams' limit, and how limit_policy truncate holds a card to it.

/** Microsoft's limit for a message posted to a Teams webhook: 28 KB. */
export const MAX_BODY_BYTES = 28 * 1024;
/** Texts longer than the first cap are cut; the shorter caps only when the card still does not fit. */
export const TEXT_CAPS = [2000, 1000, 500, 200, 100] as const;
/** Card properties that hold display text, and so may be cut. */
const TEXT_KEYS = new Set(["text", "title", "value"]);

export function teamsMessage(card: JsonObject): JsonObject {
  return {
    type: "message",
    attachments: [
      { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card },
    ],
  };
}

const CARD_MARK = "herald: the card";
/** The message's JSON before and after its card's. */
const AROUND_CARD = JSON.stringify(teamsMessage(CARD_MARK as never)).split(JSON.stringify(CARD_MARK));

/** JSON.stringify(teamsMessage(card)), from the card's JSON as JSON.stringify writes it. */
export function messageAround(cardJson: string): string {
  return `${AROUND_CARD[0]}${cardJson}${AROUND_CARD[1]}`;
}

/** JSON.stringify(teamsMessage(card)), from the card's JSON when it is at hand. */
function messageJson(card: JsonObject, cardJson?: string): string {
  return cardJson === undefined ? JSON.stringify(teamsMessage(card)) : messageAround(cardJson);
}

export function byteSize(body: string): number {
  return Buffer.byteLength(body, "utf8");
}

/** Whether a message body is within Teams' 28 KB. A UTF-16 unit is at most 3 bytes of UTF-8: most bodies need no counting. */
export function fitsTeamsBody(body: string): boolean {
  return body.length * 3 <= MAX_BODY_BYTES || byteSize(body) <= MAX_BODY_BYTES;
}

/** A text that was cut: the object holding it, where, and how long it was. */
export interface Cut {
  holder: JsonObject;
  path: string;
  from: number;
}

/**
 * The message body when the card fits as the template made it (nothing to cut), else undefined.
 * `cardJson`: the card as JSON.stringify writes it, when the template's output is that already.
 */
export function wholeIfFits(card: JsonObject, cardJson?: string): string | undefined {
  const whole = messageJson(card, cardJson);
  return fitsTeamsBody(whole) && !hasTextLongerThan(card, TEXT_CAPS[0]) ? whole : undefined;
}

/**
 * The message body, fitted into 28 KB: texts longer than the first cap are cut, then the last
 * FactSet keeps as many facts as fit. Only when the card does not fit even without those facts
 * are the texts cut shorter.
 */
export function fitToTeams(card: JsonObject, cardJson?: string): { body: string; warnings: string[] } {
  // Most cards fit as the template made them: then there is nothing to copy, cut or measure again.
  const whole = wholeIfFits(card, cardJson);
  if (whole !== undefined) return { body: whole, warnings: [] };
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
  for (const key of Object.keys(node)) {
    const value = node[key];
    const long =
      typeof value === "string" ? TEXT_KEYS.has(key) && value.length > cap : hasTextLongerThan(value, cap);
    if (long) return true;
  }
  return false;
}

/** Cuts every display text longer than `cap` in place; returns the cuts. */
export function cutTexts(node: unknown, cap: number, path = "", cuts: Cut[] = []): Cut[] {
  if (Array.isArray(node)) {
    for (const [index, child] of node.entries()) cutTexts(child, cap, `${path}[${index}]`, cuts);
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      const at = path ? `${path}.${key}` : key;
      if (typeof value === "string" && TEXT_KEYS.has(key)) {
        const cut = truncateChars(value, cap);
        if (cut === value) continue;
        cuts.push({ holder: node, path: at, from: charCount(value) });
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

/** limit_policy reject: the body when the card fits as it is, else the FormatError that names the limit. */
export function fitOrReject(card: JsonObject, cardJson?: string): string {
  const whole = wholeIfFits(card, cardJson);
  if (whole !== undefined) return whole;
  const cutCard = structuredClone(card);
  const cuts = cutTexts(cutCard, TEXT_CAPS[0]);
  // Too much even with its texts cut: the card's size is the problem, else its long texts.
  if (byteSize(JSON.stringify(teamsMessage(cutCard))) > MAX_BODY_BYTES) {
    const bytes = byteSize(JSON.stringify(teamsMessage(card)));
    const body = Array.isArray(card.body) ? card.body : [];
    const facts = body.reduce(
      (sum: number, element) =>
        sum + (isObject(element) && Array.isArray(element.facts) ? element.facts.length : 0),
      0,
    );
    throw rejected(
      `the Teams message needs ${bytes} bytes with its ${facts} facts; Teams takes ${MAX_BODY_BYTES} (28 KB)`,
    );
  }
  const long = cuts.map((cut) => `${cut.path} has ${cut.from} characters`);
  throw rejected(`${firstOf(long)}; Herald keeps at most ${TEXT_CAPS[0]} of a Teams text`);
}
