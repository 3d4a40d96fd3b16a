import { acceptEvent, type HeraldEvent, incomingEventSchema } from "../../../src/events/event";
import { MAX_DATA_DEPTH, MAX_DATA_KEYS, MAX_EVENT_BYTES } from "../../../src/events/limits";
import { fixtureEvent } from "../../support/fixtures";
import { fixtureWith } from "../../support/render";

// Events the format contract renders beside the fixtures: hostile values, and the largest events
// ingest accepts.

/** At least `bytes` of UTF-8 made of `unit` repeated. */
const atLeast = (bytes: number, unit: string) => unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));

/**
 * Control characters (C0 with NUL, DEL, C1, line and paragraph separators) and line breaks. No
 * lone surrogate: ingest refuses them (src/api/request.ts), so no event carries one.
 */
const CONTROL = "a\u0000b\u0001c\u0007d\u001b[31me\u001ff\u007fg\u0085h\u2028i\u2029j\r\nk\tl\rm";
/** Markdown, masked links and mentions in the syntax of Slack, Teams and Discord. */
const MENTIONS =
  "*bold* _it_ ~~s~~ ||spoiler|| `code` # head [click](https://evil.example) <https://evil.example|click> " +
  "@everyone @here <@123> <@!123> <@&123> <#123> <!channel> <!here> <@U024BE7LH>";
/** A right-to-left override: "invoice‮gpj.exe" shows as invoiceexe.jpg. */
const RTL = "invoice\u202Egpj.exe";
/** 100 KB of characters that formats escape, replace or must not cut in half. */
const LONG = atLeast(100 * 1024, 'x<&>|=\\"]\n🚨 ');

function nested(levels: number, bottom: unknown): Record<string, unknown> {
  let value: Record<string, unknown> = { bottom };
  for (let level = 1; level < levels; level++) value = { level: value };
  return value;
}

const hostile = (overrides: Partial<HeraldEvent>) => fixtureWith("website-defender-auto-ban", overrides);

/** Events with hostile values, each on the auto-ban fixture (whose id they keep). */
export const HOSTILE_EVENTS: { name: string; event: HeraldEvent }[] = [
  {
    name: "control characters",
    event: hostile({
      type: `auto_ban${CONTROL}`,
      title: CONTROL,
      source: CONTROL,
      subject: CONTROL,
      data: { client_ip: CONTROL, reason: CONTROL, [CONTROL]: CONTROL, list: [CONTROL, { inner: CONTROL }] },
    }),
  },
  {
    name: "markdown and mentions",
    event: hostile({
      title: MENTIONS,
      source: MENTIONS,
      subject: MENTIONS,
      data: {
        summary: MENTIONS,
        reason: MENTIONS,
        [MENTIONS]: MENTIONS,
        link: "https://evil.example/@everyone",
      },
    }),
  },
  { name: "a 100 KB title", event: hostile({ title: LONG }) },
  { name: "a 100 KB data string", event: hostile({ data: { summary: LONG, blob: LONG, short: "kept" } }) },
  {
    name: "right-to-left overrides",
    event: hostile({ title: RTL, source: RTL, subject: RTL, data: { file: RTL, [RTL]: RTL, account: RTL } }),
  },
  { name: "data nested 30 levels deep", event: hostile({ data: { deep: nested(29, MENTIONS) } }) },
  {
    name: "2,000 data keys",
    event: hostile({
      data: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`key_${i}`, `<value ${i}> & more`])),
    }),
  },
  { name: "empty data", event: hostile({ data: {} }) },
];

/** Characters the formats escape, replace or cut around: separators, quotes, line breaks, emoji. */
const SEPARATORS = ' a|b=c "d" \\e ]f\ng ünï 🚨 ';

/** An event as ingest accepts it: through the incoming schema, which applies the limits. */
function accepted(data: Record<string, unknown>): HeraldEvent {
  const incoming = {
    type: "hit",
    id: "largest",
    source: "bench",
    severity: "critical",
    title: "Largest",
    data,
  };
  return acceptEvent(incomingEventSchema.parse(incoming), new Date("2026-11-23T12:00:00Z"), () => "unused");
}

/** 10,000 data keys whose values fill the event to just under 1 MiB. */
function widestEvent(): HeraldEvent {
  // Each entry's share of 1 MiB, less 1 KB for the rest of the event, less what is not filler.
  const share = Math.floor((MAX_EVENT_BYTES - 1024) / MAX_DATA_KEYS);
  const entry = `"field_00000":"9999",`.length + Buffer.byteLength(JSON.stringify(SEPARATORS)) - 2;
  const filler = "x".repeat(share - entry);
  const data: Record<string, string> = {};
  for (let i = 0; i < MAX_DATA_KEYS; i++)
    data[`field_${String(i).padStart(5, "0")}`] = `${i}${SEPARATORS}${filler}`;
  return accepted(data);
}

/** One string of 900 KB, where Slack, Teams and Discord look for a summary. */
function longestStringEvent(): HeraldEvent {
  const text = SEPARATORS + "y".repeat(900 * 1024 - 2 * SEPARATORS.length) + SEPARATORS;
  return accepted({ summary: text });
}

/** The largest events ingest accepts, one at each of its limits (src/events/limits.ts). */
export const LARGEST_EVENTS: { name: string; event: HeraldEvent }[] = [
  { name: "10,000 data keys near 1 MiB", event: widestEvent() },
  { name: `data nested ${MAX_DATA_DEPTH} levels deep`, event: accepted(nested(MAX_DATA_DEPTH, SEPARATORS)) },
  { name: "a 900 KB string", event: longestStringEvent() },
];

const FIXTURE_CYCLE = [
  "wallarm-hit-sqli",
  "website-defender-auto-ban",
  "mailserver-auth-failed",
  "pentest-critical-finding",
];

/** `count` fixture events for one batch, each with an id of its own. */
export function batchOf(count: number): HeraldEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const event = fixtureEvent(FIXTURE_CYCLE[i % FIXTURE_CYCLE.length] ?? "");
    return { ...event, id: `${event.id}-${i}` };
  });
}
