import { type Answer, type Receiver, type RecordedRequest, startReceiver } from "./receiver";

export interface HecTokenSettings {
  disabled?: boolean;
  /** Indexer acknowledgement: events get an ackId, and requests need a channel. */
  ack?: boolean;
  /** Polls of /services/collector/ack that answer false before an ackId reads true. Default 0. */
  pollsBeforeIndexed?: number;
  /** The indexes the token may write to; any when not given. */
  indexes?: string[];
  /** Polls of /services/collector/ack are answered after this long, as a loaded indexer does. */
  ackAnswerDelayMs?: number;
}

export interface SplunkHecOptions {
  tokens: Record<string, HecTokenSettings>;
}

export interface SplunkHecStandIn extends Receiver {
  /** While true, every request gets code 9 (server busy), as an overloaded indexer answers. */
  busy: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A stand-in for Splunk's HTTP Event Collector, answering as Splunk documents: {"text","code"}
 * bodies with Splunk's status codes (0 success, 1–4 token errors, 5/6/7/12/13 data errors,
 * 9 busy, 10/11 channel errors, 14 ack disabled), and indexer acknowledgement through
 * /services/collector/ack with a request channel.
 */
export async function startSplunkHecStandIn(options: SplunkHecOptions): Promise<SplunkHecStandIn> {
  let nextAckId = 0;
  /** ackId → polls left before it reads as indexed, per channel. */
  const pending = new Map<string, Map<number, number>>();
  const hec = (status: number, code: number, text: string, extra: object = {}): Answer => ({
    status,
    headers: { "content-type": "application/json; charset=UTF-8" },
    body: JSON.stringify({ text, code, ...extra }),
  });

  function answer(req: RecordedRequest): Answer | Promise<Answer> {
    const path = req.url.split("?")[0];
    if (path !== "/services/collector/event" && path !== "/services/collector/ack") {
      return hec(404, 404, "The requested URL was not found on this server.");
    }
    if (standIn.busy) return hec(503, 9, "Server is busy");
    const authorization = req.headers.authorization;
    if (!authorization) return hec(401, 2, "Token is required");
    const [scheme, token = ""] = authorization.split(" ");
    if (scheme !== "Splunk") return hec(401, 3, "Invalid authorization");
    const settings = options.tokens[token];
    if (!settings) return hec(403, 4, "Invalid token");
    if (settings.disabled) return hec(403, 1, "Token disabled");
    const channel = req.headers["x-splunk-request-channel"];
    const channelText = Array.isArray(channel) ? channel[0] : channel;
    if (settings.ack && !channelText) return hec(400, 10, "Data channel is missing");
    if (channelText !== undefined && !GUID.test(channelText)) return hec(400, 11, "Invalid data channel");
    if (path !== "/services/collector/ack") return events(req, settings, channelText ?? "");
    const acked = acknowledgements(req, settings.ack ?? false, channelText ?? "");
    const delayMs = settings.ackAnswerDelayMs ?? 0;
    return delayMs > 0 ? new Promise((resolve) => setTimeout(() => resolve(acked), delayMs)) : acked;
  }

  function events(req: RecordedRequest, settings: HecTokenSettings, channel: string): Answer {
    if (req.body.trim() === "") return hec(400, 5, "No data");
    const parsed = parseConcatenatedJson(req.body);
    if (!parsed) return hec(400, 6, "Invalid data format", { "invalid-event-number": 0 });
    for (const [number, event] of parsed.entries()) {
      if (typeof event !== "object" || event === null || !("event" in event)) {
        return hec(400, 12, "Event field is required", { "invalid-event-number": number });
      }
      if (event.event === "" || event.event === null) {
        return hec(400, 13, "Event field cannot be blank", { "invalid-event-number": number });
      }
      const index = (event as { index?: unknown }).index;
      if (index !== undefined && settings.indexes && !settings.indexes.includes(String(index))) {
        return hec(400, 7, "Incorrect index", { "invalid-event-number": number });
      }
    }
    if (!settings.ack) return hec(200, 0, "Success");
    const ackId = nextAckId++;
    const channelAcks = pending.get(channel) ?? new Map<number, number>();
    channelAcks.set(ackId, settings.pollsBeforeIndexed ?? 0);
    pending.set(channel, channelAcks);
    return hec(200, 0, "Success", { ackId });
  }

  function acknowledgements(req: RecordedRequest, ackEnabled: boolean, channel: string): Answer {
    if (!ackEnabled) return hec(400, 14, "ACK is disabled");
    const parsed = parseConcatenatedJson(req.body)?.[0] as { acks?: unknown } | undefined;
    if (!Array.isArray(parsed?.acks)) return hec(400, 6, "Invalid data format");
    const channelAcks = pending.get(channel) ?? new Map<number, number>();
    const acks: Record<string, boolean> = {};
    for (const id of parsed.acks as number[]) {
      const pollsLeft = channelAcks.get(id);
      acks[String(id)] = pollsLeft === 0;
      if (pollsLeft !== undefined && pollsLeft > 0) channelAcks.set(id, pollsLeft - 1);
    }
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ acks }) };
  }

  const receiver = await startReceiver((req) => answer(req));
  const standIn: SplunkHecStandIn = Object.assign(receiver, { busy: false });
  return standIn;
}

/** HEC bodies are JSON objects one after another ("{…}{…}" or one per line); null when one is not JSON. */
function parseConcatenatedJson(text: string): Record<string, unknown>[] | null {
  const values: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === "{") {
      if (depth++ === 0) start = i;
    } else if (char === "}") {
      if (--depth === 0) {
        try {
          values.push(JSON.parse(text.slice(start, i + 1)));
        } catch {
          return null;
        }
      }
    } else if (depth === 0 && char !== undefined && !/\s/.test(char)) {
      return null;
    }
  }
  return depth === 0 && !inString ? values : null;
}
