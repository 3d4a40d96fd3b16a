import type { HeraldEvent } from "../events/event";
import type { Severity } from "../events/severity";
import { charCount, truncateChars } from "../text";
import { cleanText, cutEscaped, escapeDiscord, plainText } from "./discord-text";
import { FormatError, isObject, type JsonObject } from "./format";
import type { EventLink } from "./links";

// Discord's limits, and each embed made ready for them: completed, escaped, its texts found.

/**
 * Discord's documented limits, in characters (code points, as its API counts): Execute Webhook
 * (discord.com/developers/docs/resources/webhook#execute-webhook) and the Embed object
 * (discord.com/developers/docs/resources/message#embed-object-embed-limits). `embedsTotal` covers
 * the titles, descriptions, field names and values, footer texts and author names of all embeds.
 */
export const LIMITS = { content: 2000, embeds: 10, fields: 25, embedsTotal: 6000 };
export const TEXT_LIMITS = {
  title: 256,
  description: 4096,
  name: 256,
  value: 1024,
  footer: 2048,
  author: 256,
};

/** Embed colours, as Discord takes them: RGB integers. */
const SEVERITY_COLOR: Record<Severity, number> = {
  info: 0x3498db,
  low: 0x2ecc71,
  medium: 0xf1c40f,
  high: 0xe67e22,
  critical: 0xe74c3c,
};

/** A text in the message: the object holding it, its key, how a warning names it, its limit. */
export interface TextSlot {
  holder: JsonObject;
  key: string;
  label: string;
  limit: number;
}

/** Sets the embed's colour, timestamp and link, escapes its texts and returns them, to be cut. */
export function prepareEmbed(
  embed: JsonObject,
  path: string,
  event: HeraldEvent,
  link: EventLink | undefined,
  maxFields: number,
  warnings: string[],
) {
  const { color = SEVERITY_COLOR[event.severity] } = embed;
  if (!(Number.isInteger(color) && (color as number) >= 0 && (color as number) <= 0xffffff)) {
    throw new FormatError(`${path}.color must be an integer from 0 to 16777215 (0xFFFFFF)`);
  }
  embed.color = color;
  embed.timestamp = event.time;
  setLink(embed, path, link, warnings);
  return [
    ...textSlot(embed, "title", path, TEXT_LIMITS.title, escapeDiscord),
    ...textSlot(embed, "description", path, TEXT_LIMITS.description, escapeDiscord),
    ...fieldSlots(embed, path, maxFields, warnings),
    ...requiredTextSlot(embed, "footer", "text", path),
    ...requiredTextSlot(embed, "author", "name", path),
  ];
}

/** The embed's link: the template's when it is an http(s) URL, else the event's first link. */
function setLink(embed: JsonObject, path: string, link: EventLink | undefined, warnings: string[]): void {
  if (!("url" in embed)) {
    if (link) embed.url = link.url;
    return;
  }
  const { url } = embed;
  if (typeof url === "string" && URL.canParse(url) && /^https?:$/.test(new URL(url).protocol)) return;
  delete embed.url;
  if (url !== null && url !== "") warnings.push(`${path}.url: left out, Discord takes only http(s) URLs`);
}

/** An optional text: escaped in place, or removed when empty. */
function textSlot(
  holder: JsonObject,
  key: string,
  path: string,
  limit: number,
  toText: (value: unknown) => string,
): TextSlot[] {
  if (holder[key] === undefined) return [];
  const text = toText(holder[key]);
  if (text.trim() === "") {
    delete holder[key];
    return [];
  }
  holder[key] = text;
  return [{ holder, key, label: `${path}.${key}`, limit }];
}

/** footer.text and author.name: plain text Discord requires in its object, which goes when it is empty. */
function requiredTextSlot(embed: JsonObject, key: "footer" | "author", textKey: string, path: string) {
  const object = embed[key];
  if (object === undefined) return [];
  if (!isObject(object)) throw new FormatError(`${path}.${key} must be an object`);
  const slots = textSlot(object, textKey, `${path}.${key}`, TEXT_LIMITS[key], plainText);
  if (slots.length === 0) delete embed[key];
  return slots;
}

/** The fields: at most max_fields (the rest counted in a last one), names and values escaped, never empty. */
function fieldSlots(embed: JsonObject, path: string, maxFields: number, warnings: string[]): TextSlot[] {
  const { fields } = embed;
  if (fields === undefined) return [];
  if (!(Array.isArray(fields) && fields.every(isObject))) {
    throw new FormatError(`${path}.fields must be an array of objects`);
  }
  // A template that loops over an empty data object may leave "fields": [].
  if (fields.length === 0) {
    delete embed.fields;
    return [];
  }
  if (fields.length > maxFields) {
    const dropped = fields.splice(maxFields - 1);
    fields.push({ name: `+${dropped.length} more`, value: `not shown: max_fields is ${maxFields}` });
    warnings.push(`${path}.fields: ${dropped.length} left out, max_fields is ${maxFields}`);
  }
  return fields.flatMap((field, index) => {
    const at = `${path}.fields[${index}]`;
    const name = cleanText(field.name);
    const named = `${at} (${JSON.stringify(truncateChars(name, 60))})`;
    // Discord requires both, and refuses an empty one.
    field.name = name.trim() === "" ? "—" : escapeDiscord(name);
    field.value = cleanText(field.value).trim() === "" ? "—" : escapeDiscord(field.value);
    return [
      { holder: field, key: "name", label: `${at}.name`, limit: TEXT_LIMITS.name },
      { holder: field, key: "value", label: `${named}.value`, limit: TEXT_LIMITS.value },
    ];
  });
}

export function cutSlot({ holder, key, label, limit }: TextSlot, warnings: string[]): void {
  const text = holder[key] as string;
  const cut = cutEscaped(text, limit);
  if (cut === text) return;
  warnings.push(`${label}: cut from ${charCount(text)} to ${limit} characters`);
  holder[key] = cut;
}

/** Prepares every embed (prepareEmbed) and returns their texts, to be cut. */
export function prepareEmbeds(
  embeds: JsonObject[],
  event: HeraldEvent,
  link: EventLink | undefined,
  maxFields: number,
  warnings: string[],
): TextSlot[] {
  return embeds.flatMap((embed, index) =>
    prepareEmbed(embed, `embeds[${index}]`, event, link, maxFields, warnings),
  );
}

/**
 * What would have to be cut for Discord to take the prepared embeds, said for limit_policy
 * reject; undefined when they fit as they are.
 */
export function limitProblem(embeds: JsonObject[], slots: TextSlot[], maxFields: number): string | undefined {
  const counts = embeds.map((embed) => (Array.isArray(embed.fields) ? embed.fields.length : 0));
  const fields = counts.reduce((sum, count) => sum + count, 0);
  if (embeds.length > LIMITS.embeds || counts.some((count) => count > maxFields)) {
    const hold = `${maxFields} fields${maxFields < LIMITS.fields ? " (max_fields)" : ""}`;
    const where = embeds.length > 1 ? ` in ${embeds.length} embeds` : "";
    return `the Discord message needs ${fields} fields${where}; an embed holds ${hold} and a message ${LIMITS.embeds} embeds`;
  }
  const long = slots.find((slot) => charCount(slot.holder[slot.key] as string) > slot.limit);
  if (long) {
    const length = charCount(long.holder[long.key] as string);
    return `${long.label} has ${length} characters; Discord takes ${long.limit}`;
  }
  const total = slots.reduce((sum, slot) => sum + charCount(slot.holder[slot.key] as string), 0);
  if (total > LIMITS.embedsTotal) {
    return `the Discord message's embeds hold ${total} characters; Discord takes ${LIMITS.embedsTotal} in all`;
  }
  return undefined;
}
