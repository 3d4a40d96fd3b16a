import type { Severity } from "../events/severity";
import { FormatError, isObject, type JsonObject, type Rendered } from "./format";
import { LABEL_RESERVE, partLabel } from "./limit-policy";
import { capParts, layoutParts, type Placed, partsLeftOut, type Unit } from "./split-layout";
import { byteSize, cutTexts, MAX_BODY_BYTES, TEXT_CAPS, teamsMessage, wholeIfFits } from "./teams-limits";

/** limit_policy split: what fits in one card as truncate sends it, anything bigger in several cards. */
export function splitRendered(card: JsonObject, severity: Severity, warnings: string[]): Rendered {
  const whole = wholeIfFits(card);
  if (whole !== undefined) return { contentType: "application/json", body: whole, warnings };
  const [first, ...parts] = splitTeams(card, severity, warnings);
  return { contentType: "application/json", body: first ?? "", warnings, parts };
}

/**
 * The card as several, each message within Teams' 28 KB. The facts of the card's FactSets are
 * spread over the cards in order (a FactSet continues in the next card), with the other elements
 * of the body between them. Every card after the first starts with the first element of the
 * body (the title's Container) holding only its first TextBlock (the title), without mentions or
 * actions; every card says "HIGH · part i of n" under it. A text longer than Teams keeps of one
 * is cut as truncate cuts it, and said so.
 */
function splitTeams(original: JsonObject, severity: Severity, warnings: string[]): string[] {
  const card = structuredClone(original);
  for (const cut of cutTexts(card, TEXT_CAPS[0])) {
    warnings.push(
      `${cut.path}: cut from ${cut.from} to ${TEXT_CAPS[0]} characters, the most a Teams text keeps`,
    );
  }
  const body = Array.isArray(card.body) ? (card.body as unknown[]) : [];
  const head = isObject(body[0]) && !isFactSet(body[0]) ? body[0] : undefined;
  const content = head ? body.slice(1) : body;
  const { actions: _actions, ...withoutActions } = card;
  const msteams = isObject(card.msteams) ? card.msteams : undefined;
  const later: JsonObject = { ...withoutActions };
  if (msteams) {
    const { entities: _entities, ...rest } = msteams;
    later.msteams = rest;
  }
  const laterHead = head && isObject(head) ? titleOnly(head) : undefined;

  const partCard = (
    skeleton: JsonObject,
    partHead: JsonObject | undefined,
    label: string,
    elements: unknown[],
  ) => {
    const labelBlock = { type: "TextBlock", text: label, isSubtle: true, wrap: true, size: "Small" };
    const labelled =
      partHead && Array.isArray(partHead.items)
        ? [{ ...partHead, items: [...partHead.items, labelBlock] }]
        : [...(partHead ? [partHead] : []), labelBlock];
    return teamsMessage({ ...skeleton, body: [...labelled, ...elements] });
  };
  const placeholder = "x".repeat(LABEL_RESERVE);
  const base = [
    byteSize(JSON.stringify(partCard(card, head, placeholder, []))),
    byteSize(JSON.stringify(partCard(later, laterHead, placeholder, []))),
  ];
  const budgets = base.map((bytes) => MAX_BODY_BYTES - bytes);
  const smallest = Math.min(...budgets);

  const units: Unit[] = [];
  const items: unknown[] = [];
  for (const element of content) {
    const path = `body[${body.indexOf(element)}]`;
    if (isFactSet(element)) {
      units.push({ kind: "group", cost: sizeOf({ ...element, facts: [] }) });
      items.push(element);
      for (const [index, fact] of (element.facts as unknown[]).entries()) {
        const at = `${path}.facts[${index}]`;
        units.push({ kind: "field", cost: fitUnit(fact, smallest - CONTINUATION, at, warnings) });
        items.push(fact);
      }
    } else {
      units.push({
        kind: "block",
        cost: fitUnit(element, smallest, path, warnings),
      });
      items.push(element);
    }
  }
  const laid = layoutParts(units, {
    room: (index) => ({ budget: budgets[Math.min(index, 1)] ?? 0, containers: Number.POSITIVE_INFINITY }),
    perContainer: Number.POSITIVE_INFINITY,
    continuationCost: CONTINUATION,
  });
  const { parts, leftOut } = capParts(laid);
  if (laid.length > parts.length) warnings.push(partsLeftOut(laid.length, leftOut));

  const element = (placed: Placed): unknown[] => {
    const facts = placed.fields.map((unit) => items[unit]);
    if (placed.continued) return [{ type: "FactSet", facts }];
    const item = items[placed.unit];
    if (units[placed.unit]?.kind === "block") return [item];
    return facts.length > 0 ? [{ ...(item as JsonObject), facts }] : [];
  };
  // One card after all (only its texts were too long): as it is, without a label.
  const messages =
    parts.length === 1
      ? [teamsMessage(card)]
      : parts.map((placed, index) => {
          const label = `${severity.toUpperCase()} · ${partLabel(index, parts.length, leftOut)}`;
          const elements = placed.flatMap(element);
          return index === 0
            ? partCard(card, head, label, elements)
            : partCard(later, laterHead, label, elements);
        });
  return messages.map((message, index) => {
    const text = JSON.stringify(message);
    if (byteSize(text) > MAX_BODY_BYTES) {
      throw new FormatError(`part ${index + 1} of the card exceeds Teams' 28 KB message limit`);
    }
    return text;
  });
}

/** What a FactSet that continues another costs with no facts: {"type":"FactSet","facts":[]} and a comma. */
const CONTINUATION = sizeOf({ type: "FactSet", facts: [] });

function isFactSet(element: unknown): element is JsonObject {
  return isObject(element) && element.type === "FactSet" && Array.isArray(element.facts);
}

/** An element's bytes in the card, with the comma before it. */
function sizeOf(element: unknown): number {
  return byteSize(JSON.stringify(element)) + 1;
}

/** The head of a later card: a Container with its first TextBlock only (the title), else the head as it is. */
function titleOnly(head: JsonObject): JsonObject {
  if (!Array.isArray(head.items)) return head;
  const title = head.items.find((item) => isObject(item) && item.type === "TextBlock");
  return { ...head, items: title ? [title] : [] };
}

/** The element's size, after cutting its texts shorter (as truncate would) until it fits `budget` alone. */
function fitUnit(element: unknown, budget: number, path: string, warnings: string[]): number {
  for (const cap of TEXT_CAPS.slice(1)) {
    if (sizeOf(element) <= budget) break;
    for (const cut of cutTexts(element, cap, path)) {
      warnings.push(`${cut.path}: cut from ${cut.from} to ${cap} characters, to fit in one Teams card`);
    }
  }
  return sizeOf(element);
}
