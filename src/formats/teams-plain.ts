import { members, stringsAtMost } from "./json-scan";
import { fitsTeamsBody, messageAround, TEXT_CAPS } from "./teams-limits";

/**
 * The message body for a card a proven template wrote (src/templates/json-proof.ts: compact JSON
 * exactly as JSON.stringify writes it, whatever the event) when a look at its text shows what
 * parsing and checking it would show (teams.ts parseCard, teams-limits.ts wholeIfFits): an
 * Adaptive Card ("type": "AdaptiveCard", a "version" string) within 28 KB, with no string,
 * display text or not, longer than the first cap. Most cards: they then go out without a parse.
 * Undefined when it cannot tell: the card is then parsed and checked as every card was.
 */
export function plainCardMessage(cardJson: string): string | undefined {
  const card = members(cardJson, ["type", "version"]);
  if (card?.get("type") !== '"AdaptiveCard"' || !card.get("version")?.startsWith('"')) return undefined;
  if (!stringsAtMost(cardJson, TEXT_CAPS[0])) return undefined;
  const whole = messageAround(cardJson);
  return fitsTeamsBody(whole) ? whole : undefined;
}
