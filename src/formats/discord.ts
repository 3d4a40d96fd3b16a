import { z } from "zod";
import { isAtLeast, severitySchema } from "../events/severity";
import { charCount } from "../text";
import { messageContext, timeSpan } from "./digest";
import { cutSlot, LIMITS, limitProblem, prepareEmbeds } from "./discord-embeds";
import { splitEmbeds } from "./discord-split";
import { cutEscaped, escapeDiscord } from "./discord-text";
import { type Format, FormatError, isObject, type JsonObject, parseTemplateJson } from "./format";
import { humanContext, humanOptionsShape } from "./human";
import { fairCap, limitPolicyShape, rejected } from "./limit-policy";

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
    ...humanOptionsShape,
    ...limitPolicyShape,
  })
  .strict();
export type DiscordOptions = z.infer<typeof discordOptionsSchema>;

/**
 * Discord incoming webhook (Execute Webhook): a message with embeds, shaped by
 * templates/discord.hbs. The format escapes every text, sets each embed's colour from the
 * severity, its timestamp and link from the event, keeps pings to the configured mention, and
 * holds the message to Discord's limits as limit_policy says: cut with "…" and said so (truncate,
 * the default), sent as several messages (split, discord-split.ts) or refused (reject).
 */
export const discordFormat: Format<DiscordOptions> = {
  name: "discord",
  description: "Discord incoming webhook: a message with an embed per event",
  contentType: "application/json",
  optionsSchema: discordOptionsSchema,
  digest: true,
  render(input) {
    const { event, options, template, keyFields } = input;
    const warnings: string[] = [];
    const human = humanContext(event, options, keyFields, warnings);
    // Assigned, not spread, for speed (see templateContext).
    const message = parseMessage(template(Object.assign(messageContext(input), human)));
    const embeds = (message.embeds ?? []) as JsonObject[];
    // Embeds take the event's time: a digest's is its latest event's.
    const stamped = input.digest ? { ...event, time: timeSpan(input.digest.events).last.time } : event;
    const mention =
      options.mention && isAtLeast(event.severity, options.mention_severity) ? options.mention : undefined;
    const { max_fields, limit_policy } = options;
    let parts: JsonObject[][] = [];
    if (limit_policy === "truncate") {
      const surplus = embeds.splice(LIMITS.embeds).length;
      if (surplus > 0) warnings.push(`embeds: ${surplus} left out, Discord takes at most ${LIMITS.embeds}`);
      const slots = prepareEmbeds(embeds, stamped, human.links[0], max_fields, warnings);
      const cap = fairCap(
        slots.map((slot) => Math.min(charCount(slot.holder[slot.key] as string), slot.limit)),
        LIMITS.embedsTotal,
      );
      for (const slot of slots) cutSlot({ ...slot, limit: Math.min(slot.limit, cap) }, warnings);
    } else {
      // Prepared whole: a message that fits as it is goes as truncate sends it.
      const slots = prepareEmbeds(embeds, stamped, human.links[0], Number.POSITIVE_INFINITY, warnings);
      const problem = limitProblem(embeds, slots, max_fields) ?? contentProblem(message.content, mention);
      if (problem && limit_policy === "reject") throw rejected(problem);
      if (problem) parts = splitEmbeds(embeds, slots, max_fields, event.severity, warnings);
    }
    const [first = embeds, ...later] = parts;
    const content = fitContent(message.content, mention, warnings);
    if (!content && first.length === 0) {
      throw new FormatError(
        "the template produced neither content nor an embed: Discord refuses an empty message",
      );
    }
    return {
      contentType: "application/json",
      body: JSON.stringify(messageBody(options, content, first, mention)),
      warnings,
      ...(later.length > 0 && {
        parts: later.map((each) => JSON.stringify(messageBody(options, undefined, each, undefined))),
      }),
    };
  },
};

/** A message: content and pings in the first only, the options' username and avatar in each. */
function messageBody(
  options: DiscordOptions,
  content: string | undefined,
  embeds: JsonObject[],
  mention: string | undefined,
): JsonObject {
  return {
    username: options.username,
    avatar_url: options.avatar_url,
    content,
    embeds: embeds.length > 0 ? embeds : undefined,
    allowed_mentions: allowedMentions(mention),
  };
}

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

/** For limit_policy reject and split: the content when it is longer than Discord takes. */
function contentProblem(value: unknown, mention: string | undefined): string | undefined {
  const length = charCount(value === undefined || value === null ? "" : escapeDiscord(value));
  const room = LIMITS.content - (mention ? charCount(mention) + 1 : 0);
  return length > room ? `content has ${length} characters; Discord takes ${room}` : undefined;
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
