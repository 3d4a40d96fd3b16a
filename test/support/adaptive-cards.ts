import { createRequire } from "node:module";
import type * as AdaptiveCardsModule from "adaptivecards";

// The package's ESM entry imports files without extensions, which Node cannot load; its bundle
// loads, and parses and validates cards without a DOM.
const AdaptiveCards: typeof AdaptiveCardsModule = createRequire(import.meta.url)(
  "adaptivecards/dist/adaptivecards.js",
);

/**
 * What the Adaptive Cards SDK finds wrong with a card: its parse errors and warnings, failed
 * property validations, and properties it did not understand. The SDK drops those silently (a
 * misspelt property, a value of the wrong type, a property newer than the card's version), so
 * they show up as missing when the parsed card is serialised again at the card's version.
 * An empty list means a valid card.
 */
export function adaptiveCardProblems(json: unknown): string[] {
  const card = new AdaptiveCards.AdaptiveCard();
  const context = new AdaptiveCards.SerializationContext();
  card.parse(json, context);

  const problems: string[] = [];
  for (let index = 0; index < context.eventCount; index++) {
    problems.push(`parse: ${context.getEventAt(index).message}`);
  }
  for (const event of card.validateProperties().validationEvents)
    problems.push(`validation: ${event.message}`);
  const reserialised = card.toJSON(new AdaptiveCards.SerializationContext(card.version));
  for (const path of missingPaths(json, reserialised)) problems.push(`not understood: ${path}`);
  return problems;
}

/** Paths of properties and array items in `expected` that `actual` does not have. */
function missingPaths(expected: unknown, actual: unknown, path = "card"): string[] {
  if (typeof expected !== "object" || expected === null) return [];
  if (typeof actual !== "object" || actual === null) return [path];
  return Object.entries(expected).flatMap(([key, value]) => {
    const at = Array.isArray(expected) ? `${path}[${key}]` : `${path}.${key}`;
    return key in actual ? missingPaths(value, (actual as Record<string, unknown>)[key], at) : [at];
  });
}
