import { jsonString } from "../templates/helpers";
import { characterReplacer } from "../text";

/**
 * characterReplacer that first looks whether there is anything to replace: most values have
 * nothing to escape, and a test costs a fraction of a replace that finds nothing. The escaping
 * helpers run for every value of every render.
 */
export function quickReplacer(replacements: Record<string, string>): (text: string) => string {
  const replace = characterReplacer(replacements);
  const unicodeEscape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  const any = new RegExp(`[${Object.keys(replacements).map(unicodeEscape).join("")}]`);
  return (text) => (any.test(text) ? replace(text) : text);
}

/** A string as it goes between the quotes of a JSON string literal, exactly as JSON.stringify writes it. */
export function insideJsonString(text: string): string {
  const quoted = jsonString(text);
  return quoted.length === text.length + 2 ? text : quoted.slice(1, -1);
}
