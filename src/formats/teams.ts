import { z } from "zod";
import { isAtLeast, type Severity, severitySchema } from "../events/severity";
import { jsonHelper, jsonString } from "../templates/helpers";
import { valueText } from "../text";
import { messageContext } from "./digest";
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
import { firstDataLink } from "./links";
import { fitOrReject, fitToTeams } from "./teams-limits";
import { plainCardMessage } from "./teams-plain";
import { splitRendered } from "./teams-split";

/** Adaptive Card versions Teams renders. */
const CARD_VERSIONS = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"] as const;

const teamsOptionsSchema = z
  .object({
    card_version: z
      .enum(CARD_VERSIONS, {
        error: `must be an Adaptive Card version Teams renders: ${CARD_VERSIONS.join(", ")}`,
      })
      .default("1.4"),
    /**
     * Who to @mention for events at or above mention_severity: a Microsoft Entra user by object
     * ID or UPN, with the name the card shows (Teams' "<at>name</at>" with an msteams entity).
     */
    mention: z
      .object({
        id: z
          .string()
          .trim()
          .min(1)
          .max(256)
          .regex(
            /^[^\s<>]+$/,
            "must be the user's Microsoft Entra object ID or UPN (alice@contoso.com), without spaces",
          ),
        name: z
          .string()
          .trim()
          .min(1)
          .max(64)
          .regex(/^[^<>\p{Cc}]+$/u, 'must be a display name without "<", ">" or control characters'),
      })
      .strict()
      .optional(),
    mention_severity: severitySchema.default("critical"),
    ...humanOptionsShape,
    ...limitPolicyShape,
  })
  .strict();
export type TeamsOptions = z.infer<typeof teamsOptionsSchema>;

/** Teams rejects hex colours in cards; these are the named ones. */
const SEVERITY_COLOR: Record<Severity, string> = {
  info: "accent",
  low: "good",
  medium: "warning",
  high: "attention",
  critical: "attention",
};

/**
 * Container styles by severity, from card version 1.2 (attention, warning, good and accent came
 * then); earlier cards get "emphasis" and show the severity by the title's colour alone.
 */
function containerStyle(severity: unknown, version: unknown): string {
  const styled = typeof version === "string" && Number(version) >= 1.2;
  return styled ? (SEVERITY_COLOR[severity as Severity] ?? "default") : "emphasis";
}

/**
 * Microsoft Teams Workflows webhook: an Adaptive Card (templates/teams.hbs) in Teams' message
 * envelope. The card is held under 28 KB as limit_policy says: with truncate (the default) long
 * texts are cut, and the facts of the card's last FactSet that do not fit become one "+N more"
 * fact, each change said in a warning (teams-limits.ts); split sends several cards
 * (teams-split.ts); reject refuses a card that would be cut.
 */
export const teamsFormat: Format<TeamsOptions> = {
  name: "teams",
  description: "Microsoft Teams Workflows webhook: an Adaptive Card per event",
  contentType: "application/json",
  optionsSchema: teamsOptionsSchema,
  digest: true,
  helpers: {
    /** A value as a quoted JSON string of its text: "value": {{teamsText this}}. */
    teamsText: jsonHelper("value", (value: unknown) => jsonString(valueText(value) ?? "")),
    teamsColor: (severity: unknown) => SEVERITY_COLOR[severity as Severity] ?? "default",
    /** A Container's style for the severity: {{teamsStyle severity options.card_version}}. */
    teamsStyle: containerStyle,
    /** data.link, an entry of data.links, data.url or data.asset when it is an http(s) URL, else "". */
    eventLink: firstDataLink,
  },
  render(input) {
    const { event, options, template, keyFields } = input;
    const warnings: string[] = [];
    const { mention, mention_severity } = options;
    // Assigned, not spread, for speed (see templateContext).
    const context = Object.assign(messageContext(input), humanContext(event, options, keyFields, warnings), {
      teams_mention:
        mention && isAtLeast(event.severity, mention_severity)
          ? { text: `<at>${mention.name}</at>`, id: mention.id, name: mention.name }
          : undefined,
    });
    const output = templateJson(template, context);
    // A proven card that needs nothing cut goes out without a parse (teams-plain.ts).
    const plain =
      output.checked && options.limit_policy !== "split" ? plainCardMessage(output.text) : undefined;
    if (plain !== undefined) return { contentType: "application/json", body: plain, warnings };
    const card = parseCard(output.text);
    if (options.limit_policy === "split") return splitRendered(card, event.severity, warnings);
    // A checked output is already the card's compact JSON, as JSON.stringify would write it.
    const cardJson = output.checked ? output.text : undefined;
    if (options.limit_policy === "reject") {
      return { contentType: "application/json", body: fitOrReject(card, cardJson), warnings };
    }
    const fitted = fitToTeams(card, cardJson);
    return {
      contentType: "application/json",
      body: fitted.body,
      warnings: [...warnings, ...fitted.warnings],
    };
  },
};

function parseCard(text: string): JsonObject {
  const card = parseTemplateJson(text);
  if (!isObject(card) || card.type !== "AdaptiveCard" || typeof card.version !== "string") {
    throw new FormatError(
      'the template must produce an Adaptive Card: an object with "type": "AdaptiveCard" and a "version"',
    );
  }
  return card;
}
