import { truncateChars, valueText } from "../text";

// Discord's text rules: markdown and mentions in event text shown as written, and cut so that
// no escaping backslash swallows the "…".

/** Discord's markdown characters: a backslash before any of them shows it as it is. */
const MARKDOWN = /[\\*_~`|>#\-[\]()]/g;
/**
 * Discord's autolink rule (simple-markdown's url rule): text it links as a URL, where a backslash
 * would become part of the link. Closing brackets right after it stay too: escaped, their
 * backslash would end the link ("(https://a.example/x\)" links to "…/x\"); unescaped they are
 * harmless, as no masked link can open with "[" and "(" escaped.
 */
const URL_TOKEN = /https?:\/\/[^\s<]+[^<.,:;"')\]\s]\)*/g;
/** Control characters but tab and line feed: Discord strips or refuses them anyway. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text from an event as Discord may show it: well-formed, without control characters. */
export function cleanText(value: unknown): string {
  return valueText(value).toWellFormed().replace(CONTROL, "");
}

/**
 * Breaks everything that could ping: @everyone, @here, <@user>, <@&role>, <#channel>, with a zero
 * width space after the @ or #. allowed_mentions stops the pings already; this also stops
 * Discord from showing the event's text as a mention.
 */
export function breakMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, "@\u200b$1").replace(/<([@#])/g, "<$1\u200b");
}

/**
 * Event text for a place Discord renders markdown in (content, titles, descriptions, fields):
 * markdown characters escaped so it shows as sent, masked links [text](url) broken, mentions
 * broken. URLs stay as they are, so that Discord still links them.
 */
export function escapeDiscord(value: unknown): string {
  const text = cleanText(value);
  const escapeMarkdown = (part: string) => part.replace(MARKDOWN, "\\$&");
  let escaped = "";
  let last = 0;
  for (const match of text.matchAll(URL_TOKEN)) {
    escaped += escapeMarkdown(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return breakMentions(escaped + escapeMarkdown(text.slice(last)));
}

/** Event text for a plain-text place (footer, author name): Discord renders no markdown there. */
export function plainText(value: unknown): string {
  return breakMentions(cleanText(value));
}

/** Cuts to `max` characters with "…", without leaving an escaping backslash to swallow the "…". */
export function cutEscaped(text: string, max: number): string {
  const cut = truncateChars(text, max);
  if (cut === text) return text;
  const kept = cut.slice(0, -1);
  const backslashes = kept.length - kept.replace(/\\+$/, "").length;
  return backslashes % 2 === 1 ? `${kept.slice(0, -1)}…` : cut;
}
