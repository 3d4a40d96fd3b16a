import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import { isAtLeast, type Severity, severitySchema } from "../events/severity";
import { truncateChars } from "../text";
import { charCount, cleanText, cutEscaped, escapeDiscord, plainText } from "./discord-text";
import {
  type Format,
  FormatError,
  isObject,
  type JsonObject,
  parseTemplateJson,
  templateContext,
} from "./format";
import { eventLink } from "./teams";

/**
 * Discord's documented limits, in characters (code points, as its API counts): Execute Webhook
 * (discord.com/developers/docs/resources/webhook#execute-webhook) and the Embed object
 * (discord.com/developers/docs/resources/message#embed-object-embed-limits). `embedsTotal` covers
 * the titles, descriptions, field names and values, footer texts and author names of all embeds.
 */
const LIMITS = { content: 2000, embeds: 10, fields: 25, embedsTotal: 6000 };
const TEXT_LIMITS = { title: 256, description: 4096, name: 256, value: 1024, footer: 2048, author: 256 };

const MENTION = String.raw`(?:<@&?\d{17,20}>|@here|@everyone)`;
const MENTIONS = new RegExp(`^${MENTION}(?: ${MENTION})*$`);

const discordOptionsSchema = z
  .object({
    /** Shown as the message's author instead of the webhook's name. */
    username: z
      .string()
      .min(1)
      .max(80, "Discord webhook names are at most 80 characters")
      .refine(
        (name) => !/clyde|discord/i.test(name),
        'Discord refuses names that contain "clyde" or "discord"',
      )
      .optional(),
    avatar_url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    max_fields: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.fields, `a Discord embed holds at most ${LIMITS.fields} fields`)
      .default(LIMITS.fields),
    /** Who to ping, in the message's content, for events at or above mention_severity. */
    mention: z
      .string()
      .regex(
        MENTIONS,
        'must be Discord mention syntax, one or more separated by spaces: "<@&ROLE_ID>", "<@USER_ID>", "@here" or "@everyone"',
      )
      .optional(),
    mention_severity: severitySchema.default("critical"),
  })
  .strict();
export type DiscordOptions = z.infer<typeof discordOptionsSchema>;

/** Embed colours, as Discord takes them: RGB integers. */
const SEVERITY_COLOR: Record<Severity, number> = {
  info: 0x3498db,
  low: 0x2ecc71,
  medium: 0xf1c40f,
  high: 0xe67e22,
  critical: 0xe74c3c,
};

/**
 * Discord incoming webhook (Execute Webhook): a message with embeds, shaped by
 * templates/discord.hbs. The format escapes every text, sets each embed's colour from the
 * severity, its timestamp and link from the event, keeps pings to the configured mention, and
 * holds the message to Discord's limits, cutting with "…" and saying so: never rejected for size.
 */
export const discordFormat: Format<DiscordOptions> = {
  name: "discord",
  description: "Discord incoming webhook: a message with an embed per event",
  contentType: "application/json",
  optionsSchema: discordOptionsSchema,
  render({ event, options, template }) {
    const message = parseMessage(template(templateContext(event, options)));
    const warnings: string[] = [];
    const embeds = (message.embeds ?? []) as JsonObject[];
    const surplus = embeds.splice(LIMITS.embeds).length;
    if (surplus > 0) warnings.push(`embeds: ${surplus} left out, Discord takes at most ${LIMITS.embeds}`);
    const slots = embeds.flatMap((embed, index) =>
      prepareEmbed(embed, `embeds[${index}]`, event, options.max_fields, warnings),
    );
    const cap = fairCap(
      slots.map((slot) => Math.min(charCount(slot.holder[slot.key] as string), slot.limit)),
      LIMITS.embedsTotal,
    );
    for (const slot of slots) cutSlot({ ...slot, limit: Math.min(slot.limit, cap) }, warnings);

    const mention =
      options.mention && isAtLeast(event.severity, options.mention_severity) ? options.mention : undefined;
    const content = fitContent(message.content, mention, warnings);
    if (!content && embeds.length === 0) {
      throw new FormatError(
        "the template produced neither content nor an embed: Discord refuses an empty message",
      );
    }
    const body = {
      username: options.username,
      avatar_url: options.avatar_url,
      content,
      embeds: embeds.length > 0 ? embeds : undefined,
      allowed_mentions: allowedMentions(mention),
    };
    return { contentType: "application/json", body: JSON.stringify(body), warnings };
  },
};

function parseMessage(text: string): JsonObject {
  const message = parseTemplateJson(text);
  if (!isObject(message))
    throw new FormatError("the template must produce a JSON object (a Discord message)");
  const { embeds } = message;
  if (embeds !== undefined && !(Array.isArray(embeds) && embeds.every(isObject))) {
    throw new FormatError('"embeds" must be an array of objects');
  }
  return message;
}

/** A text in the message: the object holding it, its key, how a warning names it, its limit. */
interface TextSlot {
  holder: JsonObject;
  key: string;
  label: string;
  limit: number;
}

/** Sets the embed's colour, timestamp and link, escapes its texts and returns them, to be cut. */
function prepareEmbed(
  embed: JsonObject,
  path: string,
  event: HeraldEvent,
  maxFields: number,
  warnings: string[],
) {
  const { color = SEVERITY_COLOR[event.severity] } = embed;
  if (!(Number.isInteger(color) && (color as number) >= 0 && (color as number) <= 0xffffff)) {
    throw new FormatError(`${path}.color must be an integer from 0 to 16777215 (0xFFFFFF)`);
  }
  embed.color = color;
  embed.timestamp = event.time;
  setLink(embed, path, event.data, warnings);
  return [
    ...textSlot(embed, "title", path, TEXT_LIMITS.title, escapeDiscord),
    ...textSlot(embed, "description", path, TEXT_LIMITS.description, escapeDiscord),
    ...fieldSlots(embed, path, maxFields, warnings),
    ...requiredTextSlot(embed, "footer", "text", path),
    ...requiredTextSlot(embed, "author", "name", path),
  ];
}

/** The embed's link: the template's when it is an http(s) URL, else the event's (data.link, url or asset). */
function setLink(embed: JsonObject, path: string, data: unknown, warnings: string[]): void {
  if (!("url" in embed)) {
    const link = eventLink(data);
    if (link) embed.url = link;
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

function cutSlot({ holder, key, label, limit }: TextSlot, warnings: string[]): void {
  const text = holder[key] as string;
  const cut = cutEscaped(text, limit);
  if (cut === text) return;
  warnings.push(`${label}: cut from ${charCount(text)} to ${limit} characters`);
  holder[key] = cut;
}

/** The content: the mention first (when due), then the template's content, escaped and cut to fit. */
function fitContent(value: unknown, mention: string | undefined, warnings: string[]): string | undefined {
  const text = value === undefined || value === null ? "" : escapeDiscord(value);
  const room = LIMITS.content - (mention ? charCount(mention) + 1 : 0);
  const cut = cutEscaped(text, room);
  if (cut !== text) warnings.push(`content: cut from ${charCount(text)} to ${room} characters`);
  const content = [mention, cut.trim() === "" ? undefined : cut].filter(Boolean).join(" ");
  return content || undefined;
}

/**
 * Nothing pings but the configured mention (discord.com/developers/docs/resources/message#allowed-mentions-object):
 * "parse": [] turns off everything Discord would otherwise find in the content.
 */
function allowedMentions(mention: string | undefined): JsonObject {
  const ids = (pattern: RegExp) => [...(mention ?? "").matchAll(pattern)].map((match) => match[1] as string);
  const roles = ids(/<@&(\d+)>/g);
  const users = ids(/<@(\d+)>/g);
  return {
    parse: mention && /@(everyone|here)/.test(mention) ? ["everyone"] : [],
    ...(roles.length > 0 && { roles }),
    ...(users.length > 0 && { users }),
  };
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
