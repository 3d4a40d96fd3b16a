import { charCount } from "../text";
import { isObject, type JsonObject, type Rendered } from "./format";
import { fairCap, LABEL_RESERVE, partLabel } from "./limit-policy";
import {
  BLOCK_TEXT_BUDGET,
  blockSlots,
  contextBlock,
  cutMrkdwn,
  fitToSlack,
  LIMITS,
  type TextSlot,
} from "./slack-limits";
import { capParts, layoutParts, type Placed, partsLeftOut, type Unit } from "./split-layout";

/** Of a message's block text budget, what the blocks every part repeats (header, context) may take. */
const FRAME_BUDGET = 2000;
const TOO_LONG = "more than one Slack message takes";

/** limit_policy split: what fits in one message as truncate sends it, anything bigger in parts. */
export function splitRendered(
  message: JsonObject,
  maxFields: number,
  mention: string,
  warnings: string[],
): Rendered {
  const whole = structuredClone(message);
  if (fitToSlack(whole, maxFields).length === 0) {
    return { contentType: "application/json", body: JSON.stringify(whole), warnings };
  }
  const [first, ...parts] = splitSlack(message, maxFields, mention, warnings).map((part) =>
    JSON.stringify(part),
  );
  return { contentType: "application/json", body: first ?? "", warnings, parts };
}

/**
 * limit_policy split: the message as several, each within Slack's limits. A section's fields
 * beyond max_fields continue in sections of their own; blocks beyond 50, or beyond the text a
 * message may hold, continue in the next message. Every message repeats the template's header
 * (the title) and its last context block (severity, type, source, time), and says "part i of n"
 * in a context block after the header; the mention is in the first only. A text longer than
 * Slack takes in any message is still cut, and said so.
 */
export function splitSlack(
  message: JsonObject,
  maxFields: number,
  mention: string,
  warnings: string[],
): JsonObject[] {
  const blocks = (message.blocks ?? []) as JsonObject[];
  const header = blocks.findIndex((block) => block.type === "header");
  const context = blocks.findLastIndex((block) => block.type === "context");
  const isFrame = (index: number) => index === header || index === context;
  const slots = blocks.map((block, index) =>
    blockSlots(block, `blocks[${index}]`, Number.POSITIVE_INFINITY, warnings),
  );
  const frameSlots = slots.filter((_, index) => isFrame(index)).flat();
  const frameCap = fairCap(
    frameSlots.map((slot) => Math.min(charCount(slot.holder.text), slot.limit)),
    FRAME_BUDGET,
  );
  for (const slot of frameSlots) cut(slot, Math.min(slot.limit, frameCap), warnings);
  const frameBlocks = blocks.filter((_, index) => isFrame(index)).length + 1;
  const room = {
    budget: BLOCK_TEXT_BUDGET - LABEL_RESERVE - textOf(frameSlots),
    containers: LIMITS.blocks - frameBlocks,
  };

  // What the parts are made of: whole blocks, and sections with their fields.
  const units: Unit[] = [];
  const sources: { block: number; item?: unknown }[] = [];
  for (const [index, block] of blocks.entries()) {
    if (isFrame(index)) continue;
    const own = slots[index] ?? [];
    if (block.type === "section" && Array.isArray(block.fields)) {
      for (const slot of own) cut(slot, slot.limit, warnings);
      const text = own.filter((slot) => slot.holder === block.text);
      units.push({ kind: "group", cost: textOf(text) });
      sources.push({ block: index });
      for (const item of block.fields) {
        units.push({
          kind: "field",
          cost: isObject(item) && typeof item.text === "string" ? charCount(item.text) : 0,
        });
        sources.push({ block: index, item });
      }
    } else {
      // A block with more text than a message holds (a context block of ten long texts) is cut to fit.
      const cap = fairCap(
        own.map((slot) => charCount(slot.holder.text)),
        room.budget,
      );
      for (const slot of own) cut(slot, Math.min(slot.limit, cap), warnings);
      units.push({ kind: "block", cost: textOf(own) });
      sources.push({ block: index });
    }
  }

  const laid = layoutParts(units, { room: () => room, perContainer: maxFields, continuationCost: 0 });
  const { parts, leftOut } = capParts(laid);
  if (laid.length > parts.length) warnings.push(partsLeftOut(laid.length, leftOut));

  const containerBlock = (placed: Placed): JsonObject | undefined => {
    const source = sources[placed.unit];
    const block = source ? blocks[source.block] : undefined;
    if (!block) return undefined;
    if (units[placed.unit]?.kind === "block") return block;
    const fields = placed.fields.map((unit) => sources[unit]?.item);
    if (placed.continued) return { type: "section", fields };
    const { fields: _all, ...section } = block;
    if (fields.length > 0) return { ...section, fields };
    return section.text === undefined ? undefined : section;
  };

  return parts.map((placed, index) => {
    const label = parts.length > 1 ? partLabel(index, parts.length, leftOut) : undefined;
    const partBlocks: JsonObject[] = [];
    if (label && header < 0) partBlocks.push(contextBlock(`_${label}_`));
    for (const [at, block] of blocks.entries()) {
      if (isFrame(at)) partBlocks.push(block);
      else {
        const mine = placed.filter((each) => sources[each.unit]?.block === at);
        for (const each of mine) {
          const built = containerBlock(each);
          if (built) partBlocks.push(built);
        }
      }
      if (label && at === header) partBlocks.push(contextBlock(`_${label}_`));
    }
    return { ...message, ...messageText(message, index, label, mention, warnings), blocks: partBlocks };
  });
}

/** The top-level text (the notification): the mention in the first part only, the part's label after. */
function messageText(
  message: JsonObject,
  index: number,
  label: string | undefined,
  mention: string,
  warnings: string[],
): JsonObject {
  if (typeof message.text !== "string") return {};
  let text = message.text;
  if (index > 0 && mention !== "" && text.startsWith(mention)) text = text.slice(mention.length);
  // Only a notification shows it: every part carries it, so it is held to the frame's share.
  const limit = FRAME_BUDGET - LABEL_RESERVE;
  const cutText = cutMrkdwn(text, limit);
  if (cutText !== text && index === 0) {
    warnings.push(`text: cut from ${charCount(text)} to ${limit} characters, to leave room in every part`);
  }
  return { text: label ? `${cutText} (${label})` : cutText };
}

/** Cuts a text to `limit`: its own limit (too long for any message), or its share of a message's text. */
function cut(slot: TextSlot, limit: number, warnings: string[]): void {
  const text = cutMrkdwn(slot.holder.text, limit);
  if (text === slot.holder.text) return;
  const why = limit === slot.limit ? TOO_LONG : "to leave room in every part";
  warnings.push(`${slot.path}: cut from ${charCount(slot.holder.text)} to ${limit} characters, ${why}`);
  slot.holder.text = text;
}

function textOf(slots: TextSlot[]): number {
  return slots.reduce((sum, slot) => sum + charCount(slot.holder.text), 0);
}
