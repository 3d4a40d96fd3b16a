import { z } from "zod";
import { isAtLeast, type Severity, severitySchema } from "../events/severity";
import { characterReplacer, truncateChars, valueText } from "../text";
import {
  type Format,
  FormatError,
  isObject,
  type JsonObject,
  parseTemplateJson,
  templateContext,
} from "./format";

/** Slack's documented Block Kit limits (docs.slack.dev/reference/block-kit/blocks). */
const LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  /** Slack truncates the top-level text beyond this; cutting it ourselves lets us say so. */
  messageText: 40_000,
};

/**
 * Slack also rejects a message whose blocks hold too much text altogether (msg_blocks_too_long).
 * That limit is undocumented and reported near 12,000 characters; this stays clear of it.
 */
const BLOCK_TEXT_BUDGET = 10_000;

const MENTION = String.raw`<(?:!here|!channel|!everyone|@[A-Z0-9]+|!subteam\^[A-Z0-9]+)>`;
const MENTIONS = new RegExp(`^${MENTION}(?: ${MENTION})*$`);

const slackOptionsSchema = z
  .object({
    max_fields: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.fields, `a Slack section holds at most ${LIMITS.fields} fields`)
      .default(LIMITS.fields),
    mention: z
      .string()
      .regex(
        MENTIONS,
        'must be Slack mention syntax, one or more separated by spaces: "<!here>", "<!channel>", "<!everyone>", "<@U024BE7LH>" or "<!subteam^SAZ94GDB8>"',
      )
      .optional(),
    mention_severity: severitySchema.default("critical"),
  })
  .strict();
export type SlackOptions = z.infer<typeof slackOptionsSchema>;

const SEVERITY_EMOJI: Record<Severity, string> = {
  info: ":information_source:",
  low: ":large_blue_circle:",
  medium: ":large_yellow_circle:",
  high: ":large_orange_circle:",
  critical: ":red_circle:",
};

/** Slack's escaping for mrkdwn: without it a value could ping <!channel> or forge a <url|link>. */
export const escapeMrkdwn = characterReplacer({ "&": "&amp;", "<": "&lt;", ">": "&gt;" });

/** A string as it goes between the quotes of a JSON string literal. */
function insideJsonString(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/**
 * Slack incoming-webhook message in Block Kit, shaped by templates/slack.hbs. The format then
 * holds the message to Slack's limits, cutting with "…" and saying so in warnings: a message is
 * never rejected for its size.
 */
export const slackFormat: Format<SlackOptions> = {
  name: "slack",
  description: "Slack incoming webhook: a Block Kit message per event",
  contentType: "application/json",
  optionsSchema: slackOptionsSchema,
  helpers: {
    /** A value escaped for mrkdwn and for use inside a JSON string: "*{{mrkdwn title}}*". */
    mrkdwn: (value: unknown) => insideJsonString(escapeMrkdwn(valueText(value))),
    slackEmoji: (severity: unknown) => SEVERITY_EMOJI[severity as Severity] ?? SEVERITY_EMOJI.info,
    /** The configured mention and a space when the event is at least mention_severity, else nothing. */
    slackMention: (severity: unknown, options: unknown) => {
      const { mention, mention_severity } = options as SlackOptions;
      return mention && isAtLeast(severity as Severity, mention_severity) ? `${mention} ` : "";
    },
  },
  render({ event, options, template }) {
    const message = parseMessage(template(templateContext(event, options)));
    const warnings = fitToSlack(message, options.max_fields);
    return { contentType: "application/json", body: JSON.stringify(message), warnings };
  },
};

function parseMessage(text: string): JsonObject {
  const message = parseTemplateJson(text);
  if (!isObject(message)) throw new FormatError("the template must produce a JSON object (a Slack message)");
  const { blocks } = message;
  if (blocks !== undefined && !(Array.isArray(blocks) && blocks.every(isObject))) {
    throw new FormatError('"blocks" must be an array of objects');
  }
  return message;
}

/** A text object's text, where it sits, and the most characters it may have. */
interface TextSlot {
  holder: { text: string };
  path: string;
  limit: number;
}

/** Cuts and trims the message in place to Slack's limits; returns what was changed. */
function fitToSlack(message: JsonObject, maxFields: number): string[] {
  const warnings: string[] = [];
  const blocks = (message.blocks ?? []) as JsonObject[];
  const dropped = keepAtMost(blocks, LIMITS.blocks, (count) => contextBlock(`_+${count} more blocks_`));
  if (dropped) warnings.push(`blocks: ${dropped} left out, Slack takes at most ${LIMITS.blocks}`);

  const slots = blocks.flatMap((block, index) => blockSlots(block, `blocks[${index}]`, maxFields, warnings));
  const cap = fairCap(
    slots.map((slot) => Math.min(charCount(slot.holder.text), slot.limit)),
    BLOCK_TEXT_BUDGET,
  );
  for (const slot of slots) cutSlot({ ...slot, limit: Math.min(slot.limit, cap) }, warnings);
  if (typeof message.text === "string") {
    cutSlot({ holder: message as { text: string }, path: "text", limit: LIMITS.messageText }, warnings);
  }
  return warnings;
}

/** Trims a block's lists of fields or elements to Slack's counts; returns its texts. */
function blockSlots(block: JsonObject, path: string, maxFields: number, warnings: string[]): TextSlot[] {
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
  return [];
}

/** The text object's slot, if `item` is a text object. */
function textSlot(item: unknown, path: string, limit: number): TextSlot[] {
  return isObject(item) && typeof item.text === "string"
    ? [{ holder: item as { text: string }, path, limit }]
    : [];
}

function listSlots(items: unknown[], path: string, limit: number): TextSlot[] {
  return items.flatMap((item, index) => textSlot(item, `${path}[${index}]`, limit));
}

function cutSlot({ holder, path, limit }: TextSlot, warnings: string[]): void {
  const cut = cutMrkdwn(holder.text, limit);
  if (cut === holder.text) return;
  warnings.push(`${path}: cut from ${charCount(holder.text)} to ${limit} characters`);
  holder.text = cut;
}

/** Cuts to `max` characters without leaving half an escape ("&am…") at the end. */
function cutMrkdwn(text: string, max: number): string {
  const cut = truncateChars(text, max);
  return cut === text ? text : cut.replace(/&[a-z]{0,3}…$/, "…");
}

function charCount(text: string): number {
  return Array.from(text).length;
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

/**
 * The length every text may keep so that all of them together fit the budget: shorter texts
 * stay whole and the longest are cut to the same length.
 */
function fairCap(lengths: number[], budget: number): number {
  const ascending = [...lengths].sort((a, b) => a - b);
  let remaining = budget;
  for (const [index, length] of ascending.entries()) {
    const share = Math.floor(remaining / (ascending.length - index));
    if (length > share) return share;
    remaining -= length;
  }
  return Number.POSITIVE_INFINITY;
}

function mrkdwnText(text: string): JsonObject {
  return { type: "mrkdwn", text };
}

function contextBlock(text: string): JsonObject {
  return { type: "context", elements: [mrkdwnText(text)] };
}
