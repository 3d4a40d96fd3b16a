import type { ComponentChildren } from "preact";
import { isObject } from "../schema/json";
import type { JsonObject } from "../types";
import { isWebUrl } from "./mrkdwn";

// A Discord message drawn like Discord draws a webhook's: the sender, the content, and each embed
// with its colour bar, author, title, description, fields (inline ones up to three a row), image
// placeholders, footer and timestamp. Every string is text or Discord markdown made into elements,
// never HTML; links are inert (the URL on hover, http and https only), as in the Slack look-alike.

const asObjects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);
const textOf = (value: unknown): string => (typeof value === "string" ? value : "");
const webUrl = (value: unknown): string | undefined =>
  typeof value === "string" && isWebUrl(value) ? value : undefined;

const inertLink = (url: string, label: ComponentChildren) => (
  <span class="discord-link" title={url}>
    {label}
  </span>
);

/** Discord's markdown (simple-markdown's rules, the ones a message or an embed can hold), tried in order. */
const RULES: { pattern: RegExp; draw(match: RegExpExecArray): ComponentChildren }[] = [
  // A backslash shows the punctuation after it as it is: how Herald sends event text.
  { pattern: /\\([^\p{L}\p{N}\s])/uy, draw: (match) => match[1] },
  {
    pattern: /```(?:[\w+#.-]*\n)?([\s\S]+?)```/y,
    draw: (match) => <pre class="discord-pre">{match[1]}</pre>,
  },
  { pattern: /`([^`]+)`/y, draw: (match) => <code class="discord-code">{match[1]}</code> },
  {
    pattern: /\[([^[\]\n]+)\]\(<?(https?:\/\/[^\s)>]+)>?\)/y,
    draw: (match) => inertLink(match[2] as string, markdown(match[1] as string)),
  },
  { pattern: /https?:\/\/[^\s<]+[^<.,:;"')\]\s]/y, draw: (match) => inertLink(match[0], match[0]) },
  {
    pattern: /<(@[!&]?|#)(\d+)>|@(?:everyone|here)/y,
    draw: (match) => <span class="discord-mention">{mentionText(match)}</span>,
  },
  { pattern: /\*\*([\s\S]+?)\*\*(?!\*)/y, draw: (match) => <strong>{markdown(match[1] as string)}</strong> },
  { pattern: /__([\s\S]+?)__(?!_)/y, draw: (match) => <u>{markdown(match[1] as string)}</u> },
  { pattern: /\*(?!\s)([^*]+?)\*(?!\*)/y, draw: (match) => <em>{markdown(match[1] as string)}</em> },
  { pattern: /_([^_]+?)_(?![\p{L}\p{N}])/uy, draw: (match) => <em>{markdown(match[1] as string)}</em> },
  { pattern: /~~([\s\S]+?)~~/y, draw: (match) => <s>{markdown(match[1] as string)}</s> },
];

/** How Discord shows a mention it cannot name here: by kind, with its id. */
function mentionText([whole, kind, id]: RegExpExecArray): string {
  if (kind === "@&") return `@role ${id}`;
  if (kind === "#") return `#channel ${id}`;
  return kind ? `@user ${id}` : whole;
}

/** The first rule that matches `text` at `index`, and its match. */
function matchAt(text: string, index: number) {
  for (const rule of RULES) {
    rule.pattern.lastIndex = index;
    const match = rule.pattern.exec(text);
    if (match) return { rule, match };
  }
  return undefined;
}

/** Discord markdown as elements: escapes, code, links, mentions, bold, underline, italic, strike; text as text. */
export function markdown(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let plainFrom = 0;
  let index = 0;
  while (index < text.length) {
    const found = matchAt(text, index);
    if (!found) {
      index += 1;
      continue;
    }
    if (index > plainFrom) out.push(text.slice(plainFrom, index));
    out.push(found.rule.draw(found.match));
    index += found.match[0].length;
    plainFrom = index;
  }
  if (text.length > plainFrom) out.push(text.slice(plainFrom));
  return out;
}

/** Consecutive inline fields share a row, three at most; any other field has a row of its own. */
function fieldRows(fields: JsonObject[]): JsonObject[][] {
  const rows: JsonObject[][] = [];
  for (const field of fields) {
    const last = rows[rows.length - 1];
    if (field.inline === true && last && last.length < 3 && last[0]?.inline === true) last.push(field);
    else rows.push([field]);
  }
  return rows;
}

/** The footer's time as the reader's client shows it, or the value as sent when it is no time. */
function Timestamp({ value }: { value: string }) {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) return <>{value}</>;
  return (
    <time dateTime={value}>{time.toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" })}</time>
  );
}

function Embed({ embed }: { embed: JsonObject }) {
  const { color } = embed;
  const bar = typeof color === "number" ? `#${color.toString(16).padStart(6, "0")}` : undefined;
  const author = isObject(embed.author) ? textOf(embed.author.name) : "";
  const authorUrl = isObject(embed.author) ? webUrl(embed.author.url) : undefined;
  const title = textOf(embed.title);
  const titleUrl = webUrl(embed.url);
  const description = textOf(embed.description);
  const footer = isObject(embed.footer) ? textOf(embed.footer.text) : "";
  const timestamp = textOf(embed.timestamp);
  const images = ["thumbnail", "image"].filter((key) => isObject(embed[key]));
  return (
    // A style set through the DOM (Preact sets it so), which the Content-Security-Policy allows.
    <div class="discord-embed" style={bar ? { borderLeftColor: bar } : undefined}>
      {/* Discord renders no markdown in the author's name or the footer. */}
      {author && <p class="discord-author">{authorUrl ? inertLink(authorUrl, author) : author}</p>}
      {title && (
        <p class="discord-title">{titleUrl ? inertLink(titleUrl, markdown(title)) : markdown(title)}</p>
      )}
      {description && <div class="discord-description">{markdown(description)}</div>}
      {fieldRows(asObjects(embed.fields)).map((row, rowIndex) => (
        <div key={rowIndex} class="discord-fields-row">
          {row.map((field, index) => (
            <div key={index} class="discord-field">
              <div class="discord-field-name">{markdown(textOf(field.name))}</div>
              <div class="discord-field-value">{markdown(textOf(field.value))}</div>
            </div>
          ))}
        </div>
      ))}
      {images.map((key) => (
        <p key={key} class="discord-image-alt">
          [{key}]
        </p>
      ))}
      {(footer || timestamp) && (
        <p class="discord-footer">
          {footer}
          {footer && timestamp && " • "}
          {timestamp && <Timestamp value={timestamp} />}
        </p>
      )}
    </div>
  );
}

/** The message Discord would post for `body`: its sender, content and embeds. */
export function DiscordMessage({ body }: { body: string }): ComponentChildren {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch (error) {
    return <p class="error">Discord would refuse this body: it is not JSON ({(error as Error).message}).</p>;
  }
  if (!isObject(message))
    return <p class="error">Discord would refuse this body: it is not a JSON object.</p>;
  const content = textOf(message.content);
  return (
    <div class="discord">
      <p class="discord-sender">
        {textOf(message.username) || "Herald"} <span class="discord-app-badge">APP</span>
      </p>
      {content && <div class="discord-content">{markdown(content)}</div>}
      {asObjects(message.embeds).map((embed, index) => (
        <Embed key={index} embed={embed} />
      ))}
    </div>
  );
}
