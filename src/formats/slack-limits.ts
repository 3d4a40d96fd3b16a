import { charCount, truncateChars } from "../text";
import { isObject, type JsonObject } from "./format";
import { fairCap, firstOf, rejected } from "./limit-policy";

// Slack's limits, and how limit_policy truncate holds a message to them.

/** Slack's documented Block Kit limits (docs.slack.dev/reference/block-kit/blocks). */
export const LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionElements: 25,
  buttonText: 75,
  /** Slack truncates the top-level text beyond this; cutting it ourselves lets us say so. */
  messageText: 40_000,
};

/**
 * Slack also rejects a message whose blocks hold too much text altogether (msg_blocks_too_long).
 * That limit is undocumented and reported near 12,000 characters; this stays clear of it.
 */
export const BLOCK_TEXT_BUDGET = 10_000;

/** A text object's text, where it sits, and the most characters it may have. */
export interface TextSlot {
  holder: { text: string };
  path: string;
  limit: number;
}

/** Cuts and trims the message in place to Slack's limits; returns what was changed. */
export function fitToSlack(message: JsonObject, maxFields: number): string[] {
  return fitsAsItIs(message, maxFields) ? [] : fitWholly(message, maxFields);
}

/** fitToSlack the long way: every list counted, every text measured. */
export function fitWholly(message: JsonObject, maxFields: number): string[] {
  const warnings: string[] = [];
  const blocks = (message.blocks ?? []) as JsonObject[];
  const dropped = keepAtMost(blocks, LIMITS.blocks, (count) => contextBlock(`_+${count} more blocks_`));
  if (dropped) warnings.push(`blocks: ${dropped} left out, Slack takes at most ${LIMITS.blocks}`);

  const slots: TextSlot[] = [];
  for (const [index, block] of blocks.entries()) {
    slots.push(...blockSlots(block, `blocks[${index}]`, maxFields, warnings));
  }
  // Within the budget in UTF-16 units, which are never fewer than characters: no cap to find.
  let units = 0;
  for (const { holder, limit } of slots) units += Math.min(holder.text.length, limit);
  const cap =
    units <= BLOCK_TEXT_BUDGET
      ? Number.POSITIVE_INFINITY
      : fairCap(
          slots.map((slot) => Math.min(charCount(slot.holder.text), slot.limit)),
          BLOCK_TEXT_BUDGET,
        );
  for (const slot of slots) cutSlot(slot, Math.min(slot.limit, cap), warnings);
  if (typeof message.text === "string") {
    cutSlot(
      { holder: message as { text: string }, path: "text", limit: LIMITS.messageText },
      LIMITS.messageText,
      warnings,
    );
  }
  return warnings;
}

/**
 * Whether fitToSlack would leave the message as it is, found without building its list of texts
 * (most messages): no list over its count, no empty "fields" to drop, every text within its limit
 * and all within the budget, counted in UTF-16 units, which are never fewer than characters. The
 * same rules as blockSlots, which the tests hold it to.
 */
export function fitsAsItIs(message: JsonObject, maxFields: number): boolean {
  const blocks = (message.blocks ?? []) as JsonObject[];
  if (blocks.length > LIMITS.blocks) return false;
  if (typeof message.text === "string" && message.text.length > LIMITS.messageText) return false;
  const texts = { units: 0 };
  for (const block of blocks) {
    const { type, fields, elements } = block;
    if (type === "header" && !within(block.text, LIMITS.headerText, texts)) return false;
    if (type === "section") {
      if (Array.isArray(fields) && (fields.length === 0 || fields.length > maxFields)) return false;
      if (!within(block.text, LIMITS.sectionText, texts)) return false;
      if (Array.isArray(fields) && !allWithin(fields, LIMITS.fieldText, texts)) return false;
    }
    if (type === "context" && Array.isArray(elements)) {
      if (elements.length > LIMITS.contextElements || !allWithin(elements, LIMITS.contextText, texts)) {
        return false;
      }
    }
    if (type === "actions" && Array.isArray(elements)) {
      if (elements.length > LIMITS.actionElements) return false;
      for (const element of elements) {
        if (isObject(element) && !within(element.text, LIMITS.buttonText, texts)) return false;
      }
    }
  }
  return texts.units <= BLOCK_TEXT_BUDGET;
}

/** Whether a text object's text (if `item` is one) is within `limit`; counts its units. */
function within(item: unknown, limit: number, texts: { units: number }): boolean {
  const text = isObject(item) && typeof item.text === "string" ? item.text : "";
  texts.units += text.length;
  return text.length <= limit;
}

function allWithin(items: unknown[], limit: number, texts: { units: number }): boolean {
  for (const item of items) if (!within(item, limit, texts)) return false;
  return true;
}

/** Trims a block's lists of fields or elements to Slack's counts; returns its texts. */
export function blockSlots(
  block: JsonObject,
  path: string,
  maxFields: number,
  warnings: string[],
): TextSlot[] {
  if (block.type === "header") return textSlot(block.text, `${path}.text`, LIMITS.headerText);
  if (block.type === "section") {
    // A template that loops over an empty data object leaves "fields": [], which Slack refuses.
    if (Array.isArray(block.fields) && block.fields.length === 0) delete block.fields;
    if (!Array.isArray(block.fields)) return textSlot(block.text, `${path}.text`, LIMITS.sectionText);
    const dropped = keepAtMost(block.fields, maxFields, (count) => mrkdwnText(`_+${count} more_`));
    if (dropped) warnings.push(`${path}.fields: ${dropped} left out, max_fields is ${maxFields}`);
    return [
      ...textSlot(block.text, `${path}.text`, LIMITS.sectionText),
      ...listSlots(block.fields, `${path}.fields`, LIMITS.fieldText),
    ];
  }
  if (block.type === "context" && Array.isArray(block.elements)) {
    const dropped = keepAtMost(block.elements, LIMITS.contextElements, (count) =>
      mrkdwnText(`+${count} more`),
    );
    if (dropped)
      warnings.push(`${path}.elements: ${dropped} left out, Slack takes at most ${LIMITS.contextElements}`);
    return listSlots(block.elements, `${path}.elements`, LIMITS.contextText);
  }
  if (block.type === "actions" && Array.isArray(block.elements)) {
    const dropped = block.elements.splice(LIMITS.actionElements).length;
    if (dropped)
      warnings.push(`${path}.elements: ${dropped} left out, Slack takes at most ${LIMITS.actionElements}`);
    // A button's text is plain_text of at most 75 characters.
    return block.elements.flatMap((element, index) =>
      isObject(element) ? textSlot(element.text, `${path}.elements[${index}].text`, LIMITS.buttonText) : [],
    );
  }
  return [];
}

/** The text object's slot, if `item` is a text object. */
function textSlot(item: unknown, path: string, limit: number): TextSlot[] {
  return isObject(item) && typeof item.text === "string"
    ? [{ holder: item as { text: string }, path, limit }]
    : [];
}

function listSlots(items: unknown[], path: string, limit: number): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const [index, item] of items.entries()) {
    if (isObject(item) && typeof item.text === "string") {
      slots.push({ holder: item as { text: string }, path: `${path}[${index}]`, limit });
    }
  }
  return slots;
}

function cutSlot({ holder, path }: TextSlot, limit: number, warnings: string[]): void {
  const cut = cutMrkdwn(holder.text, limit);
  if (cut === holder.text) return;
  warnings.push(`${path}: cut from ${charCount(holder.text)} to ${limit} characters`);
  holder.text = cut;
}

/** Cuts to `max` characters without leaving half an escape ("&am…") at the end. */
export function cutMrkdwn(text: string, max: number): string {
  const cut = truncateChars(text, max);
  return cut === text ? text : cut.replace(/&[a-z]{0,3}…$/, "…");
}

/**
 * Keeps the first `max` − 1 items and puts one in place of the rest that says how many were
 * left out. Returns that number (0 when the items fit).
 */
function keepAtMost<T>(items: T[], max: number, summary: (count: number) => T): number {
  if (items.length <= max) return 0;
  const dropped = items.splice(max - 1);
  items.push(summary(dropped.length));
  return dropped.length;
}

export function mrkdwnText(text: string): JsonObject {
  return { type: "mrkdwn", text };
}

export function contextBlock(text: string): JsonObject {
  return { type: "context", elements: [mrkdwnText(text)] };
}

/**
 * limit_policy reject: fits the message in place when nothing has to be cut (no warnings), else
 * throws the FormatError that names the limit.
 */
export function fitOrReject(message: JsonObject, maxFields: number): string[] {
  const sections = ((message.blocks ?? []) as JsonObject[]).filter(
    (block) => block.type === "section" && Array.isArray(block.fields),
  );
  const fields = sections.reduce((sum, section) => sum + (section.fields as unknown[]).length, 0);
  const overfull = sections.some((section) => (section.fields as unknown[]).length > maxFields);
  const warnings = fitToSlack(message, maxFields);
  if (warnings.length === 0) return warnings;
  if (overfull) {
    const hold = `${maxFields} fields${maxFields < LIMITS.fields ? " (max_fields)" : ""}`;
    throw rejected(
      `the Slack message needs ${fields} fields; sections hold ${hold} and a message ${LIMITS.blocks} blocks`,
    );
  }
  throw rejected(`the Slack message exceeds Slack's limits: ${firstOf(warnings)}`);
}
