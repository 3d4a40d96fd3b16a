import type { Severity } from "../events/severity";
import { charCount } from "../text";
import { cutSlot, LIMITS, TEXT_LIMITS, type TextSlot } from "./discord-embeds";
import { isObject, type JsonObject } from "./format";
import { fairCap, LABEL_RESERVE, partLabel } from "./limit-policy";
import { capParts, layoutParts, partsLeftOut, type Unit } from "./split-layout";

/** The most one field takes of the 6,000: a name and a value at their limits. */
const FIELD_MOST = TEXT_LIMITS.name + TEXT_LIMITS.value;

/**
 * limit_policy split: the prepared embeds as the embeds of several messages, each within
 * Discord's limits (10 embeds, max_fields fields an embed, 6,000 characters). An embed's fields
 * beyond max_fields continue in embeds of their own; what does not fit a message continues in
 * the next. Every message after the first starts with an embed of the first embed's title,
 * link, author and colour; every message says "HIGH · part i of n" in its first embed's footer.
 * A text longer than Discord takes in any message is still cut, and said so.
 */
export function splitEmbeds(
  embeds: JsonObject[],
  slots: TextSlot[],
  maxFields: number,
  severity: Severity,
  warnings: string[],
): JsonObject[][] {
  const first = embeds[0] ?? {};
  const headerOf = (embed: JsonObject) =>
    slots.filter(({ holder }) => holder === embed || holder === embed.footer || holder === embed.author);
  for (const slot of slots) {
    // The first embed's footer keeps room for the label.
    const limit =
      isObject(first.footer) && slot.holder === first.footer ? slot.limit - LABEL_RESERVE : slot.limit;
    cut(slot, limit, warnings);
  }
  // What the first embed of every later message repeats: the title and the author.
  const headSlots = slots.filter(
    ({ holder, key }) => (holder === first && key === "title") || holder === first.author,
  );
  let headChars = 0;
  for (const [index, embed] of embeds.entries()) {
    // With its first field, an embed's title, description, author and footer fit in any message.
    const own = headerOf(embed);
    const budget = LIMITS.embedsTotal - LABEL_RESERVE - FIELD_MOST - (index === 0 ? 0 : headChars);
    const cap = fairCap(
      own.map((each) => charCount(each.holder[each.key] as string)),
      budget,
    );
    for (const each of own) cut(each, Math.min(each.limit, cap), warnings);
    if (index === 0) headChars = textOf(headSlots);
  }

  const units: Unit[] = [];
  const items: { embed: JsonObject; field?: JsonObject }[] = [];
  for (const embed of embeds) {
    units.push({ kind: "group", cost: textOf(headerOf(embed)) });
    items.push({ embed });
    for (const field of (embed.fields ?? []) as JsonObject[]) {
      units.push({ kind: "field", cost: charCount(String(field.name)) + charCount(String(field.value)) });
      items.push({ embed, field });
    }
  }
  const budget = LIMITS.embedsTotal - LABEL_RESERVE;
  const laid = layoutParts(units, {
    room: (index) =>
      index === 0
        ? { budget, containers: LIMITS.embeds }
        : { budget: budget - headChars, containers: LIMITS.embeds - 1 },
    perContainer: maxFields,
    continuationCost: 0,
  });
  const { parts, leftOut } = capParts(laid);
  if (laid.length > parts.length) warnings.push(partsLeftOut(laid.length, leftOut));

  return parts.map((placed, index) => {
    const label =
      parts.length > 1 ? `${severity.toUpperCase()} · ${partLabel(index, parts.length, leftOut)}` : undefined;
    const out: JsonObject[] = [];
    if (index > 0) {
      const { title, url, color, timestamp, author } = first;
      out.push({ title, url, color, timestamp, author, footer: { text: label } });
    }
    for (const each of placed) {
      const { embed } = items[each.unit] ?? { embed: first };
      const fields = each.fields.map((unit) => items[unit]?.field);
      if (!each.continued) {
        const { fields: _all, ...rest } = embed;
        out.push(fields.length > 0 ? { ...rest, fields } : rest);
      } else if (index > 0 && out.length === 1 && out[0] && out[0].fields === undefined) {
        out[0].fields = fields;
      } else {
        out.push({ color: embed.color, timestamp: embed.timestamp, fields });
      }
    }
    const [opening] = out;
    if (index === 0 && label && opening) {
      const footer = isObject(opening.footer) ? opening.footer : {};
      const text = typeof footer.text === "string" ? `${footer.text} · ${label}` : label;
      out[0] = { ...opening, footer: { ...footer, text } };
    }
    return out;
  });
}

function cut(slot: TextSlot, limit: number, warnings: string[]): void {
  const notes: string[] = [];
  cutSlot({ ...slot, limit }, notes);
  const why = limit === slot.limit ? "more than one Discord message takes" : "to leave room in every part";
  for (const note of notes) warnings.push(`${note}, ${why}`);
}

function textOf(slots: TextSlot[]): number {
  return slots.reduce((sum, each) => sum + charCount(each.holder[each.key] as string), 0);
}
