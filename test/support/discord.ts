import type { Answer, RecordedRequest } from "./receiver";

/**
 * A stand-in for a Discord incoming webhook (Execute Webhook), answering as Discord documents:
 * discord.com/developers/docs/resources/webhook#execute-webhook, resources/message#embed-object-embed-limits,
 * reference#error-messages (form errors: 400 {"code":50035,"message":"Invalid Form Body","errors":{…}}),
 * topics/rate-limits (429 with Retry-After, X-RateLimit-* and {"message","retry_after","global"}).
 * Use its `answer` with startReceiver, or call it directly with a RecordedRequest.
 */
export interface DiscordStandIn {
  answer: (request: RecordedRequest) => Answer;
  /** While set, every request gets a 429 asking to wait this many seconds (Discord sends floats). */
  rateLimitedFor: number | null;
  /** Whether that rate limit is the global one (X-RateLimit-Global, "global": true). */
  globalRateLimit: boolean;
  /** The webhook was deleted: 404 {"message":"Unknown Webhook","code":10015} (topics/opcodes-and-status-codes#json). */
  deleted: boolean;
}

const WEBHOOK_PATH = /^\/api(?:\/v\d+)?\/webhooks\/\d+\/[\w-]+$/;
/** The 6,000-character budget covers these texts of all embeds together. */
const EMBED_TOTAL = 6000;

type Json = Record<string, unknown>;
/** Discord's nested form errors: {"embeds":{"0":{"title":{"_errors":[{"code","message"}]}}}}. */
type FormErrors = { _errors?: { code: string; message: string }[] } & {
  [key: string]: FormErrors | undefined;
};

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
/** Discord's API counts characters as code points. */
const length = (text: string) => Array.from(text).length;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function createDiscordStandIn(): DiscordStandIn {
  const standIn: DiscordStandIn = {
    rateLimitedFor: null,
    globalRateLimit: false,
    deleted: false,
    answer(request) {
      const [path = "", query = ""] = request.url.split("?");
      if (!WEBHOOK_PATH.test(path)) return json(404, { message: "404: Not Found", code: 0 });
      if (standIn.deleted) return json(404, { message: "Unknown Webhook", code: 10015 });
      if (request.method !== "POST") return json(405, { message: "405: Method Not Allowed", code: 0 });
      if (standIn.rateLimitedFor !== null)
        return rateLimited(standIn.rateLimitedFor, standIn.globalRateLimit);
      // Without a JSON content type Discord reads no form at all (reference#http-api, Content Type).
      if (!String(request.headers["content-type"] ?? "").startsWith("application/json")) {
        return json(400, { code: 50035, errors: {}, message: "Invalid Form Body" });
      }
      let message: unknown;
      try {
        message = JSON.parse(request.body);
      } catch {
        return json(400, { code: 50109, message: "The request body contains invalid JSON." });
      }
      if (!isObject(message))
        return json(400, { code: 50109, message: "The request body contains invalid JSON." });
      const errors = formErrors(message);
      if (Object.keys(errors).length > 0)
        return json(400, { code: 50035, errors, message: "Invalid Form Body" });
      const embeds = Array.isArray(message.embeds) ? message.embeds : [];
      if (!(typeof message.content === "string" && message.content.trim() !== "") && embeds.length === 0) {
        return json(400, { message: "Cannot send an empty message", code: 50006 });
      }
      // ?wait=true: the created message; otherwise 204 No Content.
      if (!/(^|&)wait=(true|1)(&|$)/i.test(query)) return { status: 204 };
      return json(200, {
        id: "1300000000000000000",
        type: 0,
        channel_id: "1200000000000000000",
        content: message.content ?? "",
        embeds,
        webhook_id: path.split("/").at(-2),
        timestamp: new Date().toISOString(),
      });
    },
  };
  return standIn;
}

function rateLimited(seconds: number, global: boolean): Answer {
  // As the examples in topics/rate-limits: a global limit names itself, a route limit its bucket.
  const headers: Record<string, string> = global
    ? { "x-ratelimit-global": "true", "x-ratelimit-scope": "global" }
    : {
        "x-ratelimit-limit": "5",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Date.now() / 1000 + seconds),
        "x-ratelimit-reset-after": String(seconds),
        "x-ratelimit-bucket": "abcd1234",
        "x-ratelimit-scope": "user",
      };
  return json(
    429,
    { message: "You are being rate limited.", retry_after: seconds, global },
    { "retry-after": String(Math.ceil(seconds)), ...headers },
  );
}

/** Everything Discord would refuse in the message, as its nested form errors. */
function formErrors(message: Json): FormErrors {
  const errors: FormErrors = {};
  const add = (path: (string | number)[], code: string, text: string) => {
    let node = errors;
    for (const key of path) node = node[String(key)] ??= {};
    node._errors = [...(node._errors ?? []), { code, message: text }];
  };
  const maxLength = (value: unknown, path: (string | number)[], max: number) => {
    if (value !== undefined && typeof value !== "string") add(path, "BASE_TYPE_STRING", "Must be a string.");
    else if (typeof value === "string" && length(value) > max) {
      add(path, "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
    }
  };
  const required = (value: unknown, path: (string | number)[], max: number) => {
    if (typeof value !== "string" || value.trim() === "")
      add(path, "BASE_TYPE_REQUIRED", "This field is required");
    else maxLength(value, path, max);
  };
  const url = (value: unknown, path: (string | number)[]) => {
    if (value === undefined) return;
    const ok = typeof value === "string" && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
    if (!ok) add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.");
  };

  maxLength(message.content, ["content"], 2000);
  if (message.username !== undefined) {
    const name = message.username;
    if (typeof name !== "string" || length(name) < 1 || length(name) > 80) {
      add(["username"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length.");
    }
  }
  url(message.avatar_url, ["avatar_url"]);
  allowedMentionErrors(message.allowed_mentions, add);

  if (message.embeds === undefined) return errors;
  if (!Array.isArray(message.embeds)) {
    add(["embeds"], "BASE_TYPE_ARRAY", "Must be an array.");
    return errors;
  }
  if (message.embeds.length > 10) add(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
  let total = 0;
  for (const [index, embed] of message.embeds.entries()) {
    const at = (...path: (string | number)[]) => ["embeds", index, ...path];
    if (!isObject(embed)) {
      add(at(), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
      continue;
    }
    maxLength(embed.title, at("title"), 256);
    maxLength(embed.description, at("description"), 4096);
    url(embed.url, at("url"));
    if (embed.color !== undefined && !(Number.isInteger(embed.color) && (embed.color as number) >= 0)) {
      add(at("color"), "NUMBER_TYPE_COERCE", `Value "${embed.color}" is not int.`);
    } else if ((embed.color as number) > 0xffffff) {
      add(at("color"), "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.");
    }
    if (embed.timestamp !== undefined && Number.isNaN(Date.parse(String(embed.timestamp)))) {
      add(at("timestamp"), "DATE_TIME_TYPE_PARSE", `Could not parse ${embed.timestamp}. Should be ISO8601.`);
    }
    const fields = embed.fields === undefined ? [] : embed.fields;
    if (!Array.isArray(fields)) add(at("fields"), "BASE_TYPE_ARRAY", "Must be an array.");
    else if (fields.length > 25) add(at("fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
    for (const [f, field] of (Array.isArray(fields) ? fields : []).entries()) {
      const fieldObject = isObject(field) ? field : {};
      required(fieldObject.name, at("fields", f, "name"), 256);
      required(fieldObject.value, at("fields", f, "value"), 1024);
    }
    const footer = isObject(embed.footer) ? embed.footer : undefined;
    const author = isObject(embed.author) ? embed.author : undefined;
    if (footer) required(footer.text, at("footer", "text"), 2048);
    if (author) required(author.name, at("author", "name"), 256);
    const texts = [
      embed.title,
      embed.description,
      footer?.text,
      author?.name,
      ...(Array.isArray(fields)
        ? fields.flatMap((field) => (isObject(field) ? [field.name, field.value] : []))
        : []),
    ];
    total += texts.reduce<number>((sum, text) => sum + (typeof text === "string" ? length(text) : 0), 0);
  }
  if (total > EMBED_TOTAL)
    add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000");
  return errors;
}

/** allowed_mentions (resources/message#allowed-mentions-object): parse types, ≤100 ids, not both ways. */
function allowedMentionErrors(
  allowed: unknown,
  add: (path: (string | number)[], code: string, text: string) => void,
): void {
  if (allowed === undefined) return;
  if (!isObject(allowed)) {
    add(["allowed_mentions"], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
    return;
  }
  const parse = Array.isArray(allowed.parse) ? allowed.parse : [];
  for (const [index, type] of parse.entries()) {
    if (!["roles", "users", "everyone"].includes(type)) {
      add(
        ["allowed_mentions", "parse", index],
        "BASE_TYPE_CHOICES",
        "Value must be one of ('roles', 'users', 'everyone').",
      );
    }
  }
  for (const type of ["roles", "users"] as const) {
    const ids = allowed[type];
    if (ids === undefined) continue;
    if (!Array.isArray(ids) || ids.length > 100) {
      add(["allowed_mentions", type], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.");
    } else if (parse.includes(type)) {
      add(
        ["allowed_mentions"],
        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
        `parse:["${type}"] and ${type}: [ids] are mutually exclusive.`,
      );
    }
  }
}

/**
 * Who a message would notify, as Discord decides: mentions in the content only (embeds never
 * ping), filtered by allowed_mentions; without allowed_mentions, every mention in the content.
 * "@everyone" stands for @everyone and @here, "user:ID" and "role:ID" for the others.
 */
export function discordPings(body: string): string[] {
  const message = JSON.parse(body) as Json;
  const content = typeof message.content === "string" ? message.content : "";
  const allowed = isObject(message.allowed_mentions) ? message.allowed_mentions : undefined;
  const parse = allowed
    ? Array.isArray(allowed.parse)
      ? allowed.parse
      : []
    : ["everyone", "users", "roles"];
  const listed = (type: string, id: string) =>
    Array.isArray(allowed?.[type]) && (allowed[type] as unknown[]).includes(id);
  const pings: string[] = [];
  if (/@(everyone|here)/.test(content) && parse.includes("everyone")) pings.push("@everyone");
  for (const [, role, id = ""] of content.matchAll(/<@(!|&)?(\d+)>/g)) {
    const type = role === "&" ? "roles" : "users";
    if (parse.includes(type) || listed(type, id)) pings.push(`${type === "roles" ? "role" : "user"}:${id}`);
  }
  return pings;
}
