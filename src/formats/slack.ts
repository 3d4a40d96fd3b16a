import { z } from "zod";
import { isAtLeast, type Severity, severitySchema } from "../events/severity";
import { jsonHelper } from "../templates/helpers";
import { valueText } from "../text";
import { messageContext } from "./digest";
import { insideJsonString, quickReplacer } from "./escape";
import {
  type Format,
  FormatError,
  isObject,
  type JsonObject,
  parseTemplateJson,
  templateJson,
} from "./format";
import { humanContext, humanOptionsShape } from "./human";
import { limitPolicyShape } from "./limit-policy";
import { fitOrReject, fitToSlack, LIMITS } from "./slack-limits";
import { slackFitted } from "./slack-plain";
import { splitRendered } from "./slack-split";

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
    ...humanOptionsShape,
    ...limitPolicyShape,
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
export const escapeMrkdwn = quickReplacer({ "&": "&amp;", "<": "&lt;", ">": "&gt;" });

/** What escapeMrkdwn or a JSON string escapes (surrogates: a lone one; pairs take the slow way too). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const MRKDWN_OR_JSON_ESCAPED = /[&<>"\\\u0000-\u001f\ud800-\udfff]/;

/** The configured mention and a space when the event is at least mention_severity, else nothing. */
function slackMention(severity: unknown, options: unknown): string {
  const { mention, mention_severity } = options as SlackOptions;
  return mention && isAtLeast(severity as Severity, mention_severity) ? `${mention} ` : "";
}

/**
 * Slack incoming-webhook message in Block Kit, shaped by templates/slack.hbs. The format then
 * holds the message to Slack's limits as limit_policy says: cutting with "…" and saying so in
 * warnings (truncate, the default), in several messages (split, slack-split.ts) or not at all (reject).
 */
export const slackFormat: Format<SlackOptions> = {
  name: "slack",
  description: "Slack incoming webhook: a Block Kit message per event",
  contentType: "application/json",
  optionsSchema: slackOptionsSchema,
  digest: true,
  helpers: {
    /** A value escaped for mrkdwn and for use inside a JSON string: "*{{mrkdwn title}}*". */
    mrkdwn: jsonHelper("string content", (value: unknown) => {
      const text = valueText(value) ?? "";
      // Most texts have nothing to escape for either: one look instead of two.
      return MRKDWN_OR_JSON_ESCAPED.test(text) ? insideJsonString(escapeMrkdwn(text)) : text;
    }),
    slackEmoji: (severity: unknown) => SEVERITY_EMOJI[severity as Severity] ?? SEVERITY_EMOJI.info,
    /** The configured mention and a space when the event is at least mention_severity, else nothing. */
    slackMention: (severity: unknown, options: unknown) => slackMention(severity, options),
  },
  render(input) {
    const { event, options, keyFields } = input;
    const warnings: string[] = [];
    // Assigned, not spread, for speed (see templateContext).
    const context = Object.assign(messageContext(input), humanContext(event, options, keyFields, warnings));
    const output = templateJson(input.template, context);
    const { max_fields, limit_policy } = options;
    // A proven message that one pass shows needs at most fields left out goes out without a
    // parse (slack-plain.ts); reject refuses any cut, which fitOrReject below says.
    const fitted =
      output.checked && limit_policy !== "split" ? slackFitted(output.text, max_fields) : undefined;
    if (fitted && (limit_policy === "truncate" || fitted.warnings.length === 0)) {
      warnings.push(...fitted.warnings);
      return { contentType: "application/json", body: fitted.body, warnings };
    }
    const message = parseMessage(output.text);
    if (limit_policy === "split") {
      return splitRendered(message, max_fields, slackMention(event.severity, options), warnings);
    }
    // Fitting changes the message when it warns, and when it drops an empty "fields" (silently).
    const untouched = !hasEmptyFields(message);
    const fitting =
      limit_policy === "reject" ? fitOrReject(message, max_fields) : fitToSlack(message, max_fields);
    warnings.push(...fitting);
    // A checked output is already the compact JSON of the message, as JSON.stringify would write it.
    const body = output.checked && untouched && fitting.length === 0 ? output.text : JSON.stringify(message);
    return { contentType: "application/json", body, warnings };
  },
};

function hasEmptyFields(message: JsonObject): boolean {
  const blocks = (message.blocks ?? []) as JsonObject[];
  return blocks.some((block) => Array.isArray(block.fields) && block.fields.length === 0);
}

function parseMessage(text: string): JsonObject {
  const message = parseTemplateJson(text);
  if (!isObject(message)) throw new FormatError("the template must produce a JSON object (a Slack message)");
  const { blocks } = message;
  if (blocks !== undefined && !(Array.isArray(blocks) && blocks.every(isObject))) {
    throw new FormatError('"blocks" must be an array of objects');
  }
  return message;
}
