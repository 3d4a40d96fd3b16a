import type { ComponentChildren } from "preact";

// Slack's mrkdwn drawn as Slack draws it, from text only: every piece of the message becomes a
// text node or an element the console makes, never HTML. Links are inert (the URL is shown on
// hover, http and https only), so a message cannot take the operator anywhere.

/**
 * Slack draws emoji as pictures of its own, not with the system's font. The ones Herald sends for
 * severities are drawn here in CSS (shape.emoji-<name> in workbench.css), so they show on machines
 * without an emoji font; some others are characters; the rest stay `:name:`, as Slack shows an
 * emoji it does not know.
 */
const DRAWN = new Set([
  "red_circle",
  "large_orange_circle",
  "large_yellow_circle",
  "large_blue_circle",
  "information_source",
]);
const EMOJI: Record<string, string> = {
  warning: "⚠️",
  rotating_light: "🚨",
  white_check_mark: "✅",
  x: "❌",
  fire: "🔥",
  lock: "🔒",
  shield: "🛡️",
  bell: "🔔",
  mag: "🔍",
};

/** Whether `url` is one a link may go to: http or https only. */
export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** Slack escapes &, < and > in text it does not mean as markup. */
const decoded = (text: string) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** Emoji codes in text: a known one as its picture (named for screen readers), the rest as typed. */
export function withEmoji(text: string): ComponentChildren[] {
  return text.split(/(:[a-z0-9_+-]+:)/).map((piece) => {
    const name = /^:([a-z0-9_+-]+):$/.exec(piece)?.[1] ?? "";
    if (DRAWN.has(name)) return <span role="img" aria-label={piece} class={`emoji emoji-${name}`} />;
    const character = EMOJI[name];
    if (!character) return piece;
    return (
      <span role="img" aria-label={piece}>
        {character}
      </span>
    );
  });
}

/** `<url|label>`, `<@U123>`, `<!here>`, `<#C123|name>`: Slack's angle-bracket markup. */
function special(inner: string): ComponentChildren {
  const [target = "", label] = inner.split("|", 2);
  if (target.startsWith("@")) return <span class="slack-mention">@{label ?? target.slice(1)}</span>;
  if (target.startsWith("#")) return <span class="slack-mention">#{label ?? target.slice(1)}</span>;
  if (target.startsWith("!")) {
    const name = target.slice(1).split("^")[0] as string;
    return <span class="slack-mention">{label ?? `@${name}`}</span>;
  }
  const text = decoded(label ?? target);
  if (!isWebUrl(target)) return text;
  return (
    <span class="slack-link" title={target}>
      {text}
    </span>
  );
}

/** Slack's formatting; the content of code and pre is literal, the rest may hold more formatting. */
const STYLES: { pattern: RegExp; literal: boolean; wrap(content: ComponentChildren): ComponentChildren }[] = [
  { pattern: /```([\s\S]+?)```/y, literal: true, wrap: (content) => <pre class="slack-pre">{content}</pre> },
  { pattern: /`([^`\n]+)`/y, literal: true, wrap: (content) => <code class="slack-code">{content}</code> },
  { pattern: /\*([^*\n]+)\*/y, literal: false, wrap: (content) => <strong>{content}</strong> },
  { pattern: /_([^_\n]+)_/y, literal: false, wrap: (content) => <em>{content}</em> },
  { pattern: /~([^~\n]+)~/y, literal: false, wrap: (content) => <s>{content}</s> },
];
const ANGLE = /<([^<>\n]+)>/y;

/** The match of a sticky `pattern` at `index` of `text`. */
function matchAt(pattern: RegExp, text: string, index: number): RegExpExecArray | null {
  pattern.lastIndex = index;
  return pattern.exec(text);
}

/** mrkdwn as elements: bold, italic, strike, code, pre, links, mentions, emoji; text as text. */
export function mrkdwn(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let plainFrom = 0;
  const flush = (to: number) => {
    if (to > plainFrom) out.push(...withEmoji(decoded(text.slice(plainFrom, to))));
  };
  let index = 0;
  while (index < text.length) {
    const angle = matchAt(ANGLE, text, index);
    // Formatting opens at the start or after a space or punctuation, as in Slack.
    const opens = index === 0 || !/[\p{L}\p{N}]/u.test(text.charAt(index - 1));
    const styled = angle || !opens ? undefined : STYLES.find((style) => matchAt(style.pattern, text, index));
    const match = angle ?? (styled ? matchAt(styled.pattern, text, index) : null);
    if (!match) {
      index += 1;
      continue;
    }
    flush(index);
    const inner = match[1] as string;
    if (styled) out.push(styled.wrap(styled.literal ? decoded(inner) : mrkdwn(inner)));
    else out.push(special(inner));
    index += match[0].length;
    plainFrom = index;
  }
  flush(text.length);
  return out;
}
