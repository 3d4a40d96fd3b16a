/**
 * Hand-written serializers: for each format here, the body it renders with its default template
 * and default options, written directly (string building, JSON.stringify) instead of through a
 * template. bench/formats.ts checks they match the formats on every fixture, then races them;
 * formats without one here (ecs, ocsf, discord, pagerduty) it leaves out.
 *
 * They map the data the way the formats do (reusing the formats' exported mappings and escaping,
 * which both paths need: the fields and links humanContext picks for slack and teams, the CEF and
 * LEEF attributes, escapeMrkdwn) but skip what no fixture reaches: cutting texts to the
 * receivers' lengths and Teams' 28 KB limit. The formats' checks of their templates' output and
 * that fitting count against the template path, so the comparison if anything flatters the
 * hand-written side.
 */

import { SYSLOG_SEVERITIES } from "../src/destinations/syslog/envelope";
import type { HeraldEvent } from "../src/events/event";
import type { Severity } from "../src/events/severity";
import { cefExtension } from "../src/formats/cef";
import { type HumanContext, humanContext } from "../src/formats/human";
import { leefAttributes } from "../src/formats/leef";
import type { ShownField } from "../src/formats/shown-fields";
import { escapeMrkdwn } from "../src/formats/slack";
import { characterReplacer, flattenObject, valueText } from "../src/text";

export type Serializer = (event: HeraldEvent) => string;

/** The SIEM formats' default severity_map. */
const SIEM_SEVERITY: Record<Severity, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

/** The event's time as the templates' {{date time "YYYY-MM-DD HH:mm:ss"}}: event times are ISO in UTC. */
function displayTime(event: HeraldEvent): string {
  return `${event.time.slice(0, 10)} ${event.time.slice(11, 19)}`;
}

/** The first value neither missing nor empty, as the templates' {{default …}} helper picks. */
function firstPresent(...values: unknown[]): unknown {
  return values.find((value) => value !== undefined && value !== null && value !== "");
}

/**
 * What the Slack and Teams templates show under the title: data.summary, data.description or the
 * subject, as their {{#with (default …)}} picks it; Handlebars' #with skips false and [] too.
 */
function lead(event: HeraldEvent): unknown {
  const value = firstPresent(event.data.summary, event.data.description, event.subject);
  return value === false || (Array.isArray(value) && value.length === 0) ? undefined : value;
}

/** The fields and links Slack and Teams show with their default options: no pinned fields, no link_template. */
function shownFieldsAndLinks(event: HeraldEvent): HumanContext {
  return humanContext(event, {}, undefined, []);
}

function json(event: HeraldEvent): string {
  const { id, type, severity, source, title, time, data } = event;
  return JSON.stringify({ id, event_type: type, severity, source, title, time, data });
}

const SLACK_EMOJI: Record<Severity, string> = {
  info: ":information_source:",
  low: ":large_blue_circle:",
  medium: ":large_yellow_circle:",
  high: ":large_orange_circle:",
  critical: ":red_circle:",
};
/** Slack's default max_fields: the tenth field says how many more there were. */
const SLACK_MAX_FIELDS = 10;

function slack(event: HeraldEvent): string {
  const emoji = SLACK_EMOJI[event.severity];
  const severity = event.severity.toUpperCase();
  const title = escapeMrkdwn(event.title);
  const leadText = lead(event);
  const shown = shownFieldsAndLinks(event);
  const fields = shown.fields.map(({ label, value }) => ({
    type: "mrkdwn",
    text: `*${escapeMrkdwn(label)}*\n${escapeMrkdwn(valueText(value))}`,
  }));
  if (fields.length > SLACK_MAX_FIELDS) {
    const more = fields.length - (SLACK_MAX_FIELDS - 1);
    fields.splice(SLACK_MAX_FIELDS - 1, more, { type: "mrkdwn", text: `_+${more} more_` });
  }
  const sectionText =
    leadText === undefined ? `*${title}*` : `*${title}*\n${escapeMrkdwn(valueText(leadText))}`;
  const section: Record<string, unknown> = { type: "section", text: { type: "mrkdwn", text: sectionText } };
  // Slack refuses an empty list of fields.
  if (fields.length) section.fields = fields;
  const blocks: object[] = [
    { type: "header", text: { type: "plain_text", text: event.title || event.type, emoji: true } },
    section,
  ];
  if (shown.links.length) {
    blocks.push({
      type: "actions",
      elements: shown.links.map(({ title, url }) => ({
        type: "button",
        text: { type: "plain_text", text: title, emoji: true },
        url,
      })),
    });
  }
  blocks.push({
    type: "context",
    elements: [
      { type: "mrkdwn", text: `${emoji} *${severity}*` },
      { type: "mrkdwn", text: `${escapeMrkdwn(event.type)} from ${escapeMrkdwn(event.source)}` },
      { type: "mrkdwn", text: `${displayTime(event)} UTC` },
    ],
  });
  return JSON.stringify({ text: `${emoji} ${severity}: ${title}`, blocks });
}

/** Teams' colours by severity, which with the default card_version (1.4) are also the Container's style. */
const TEAMS_COLOR: Record<Severity, string> = {
  info: "accent",
  low: "good",
  medium: "warning",
  high: "attention",
  critical: "attention",
};

/** A shown field as a Teams fact: Teams needs a text in every fact value. */
function teamsFact({ label, value }: ShownField): object {
  return { title: label, value: valueText(firstPresent(value, "—")) };
}

function teams(event: HeraldEvent): string {
  const color = TEAMS_COLOR[event.severity];
  const leadText = lead(event);
  const shown = shownFieldsAndLinks(event);
  const items: object[] = [
    {
      type: "TextBlock",
      text: event.title || event.type,
      size: "Large",
      weight: "Bolder",
      color,
      wrap: true,
    },
  ];
  if (leadText !== undefined) items.push({ type: "TextBlock", text: valueText(leadText), color, wrap: true });
  const body: object[] = [{ type: "Container", style: color, items }];
  if (shown.key_fields.length) body.push({ type: "FactSet", facts: shown.key_fields.map(teamsFact) });
  body.push({
    type: "FactSet",
    facts: [
      { title: "Severity", value: event.severity.toUpperCase() },
      { title: "Type", value: event.type },
      { title: "Source", value: event.source },
      { title: "Time", value: `${displayTime(event)} UTC` },
      { title: "Event ID", value: event.id },
      ...shown.other_fields.map(teamsFact),
    ],
  });
  const card: Record<string, unknown> = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body,
  };
  if (shown.links.length) {
    card.actions = shown.links.map(({ title, url }) => ({ type: "Action.OpenUrl", title, url }));
  }
  return JSON.stringify({
    type: "message",
    attachments: [
      { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card },
    ],
  });
}

const escapeCefHeader = characterReplacer({ "\\": "\\\\", "|": "\\|", "\n": " ", "\r": " " });
const escapeCefValue = characterReplacer({ "\\": "\\\\", "=": "\\=", "\n": "\\n", "\r": "\\r" });

function cef(event: HeraldEvent): string {
  const header = `CEF:0|Herald|Herald|1.0|${escapeCefHeader(event.type)}|${escapeCefHeader(event.title)}`;
  const extension = cefExtension(event, [])
    .map(({ key, value }) => `${key}=${escapeCefValue(value)}`)
    .join(" ");
  return `${header}|${SIEM_SEVERITY[event.severity]}|${extension}`;
}

const TAB = "\t";
const leefHeaderText = characterReplacer({ "|": " ", "\n": " ", "\r": " " });
const leefValue = characterReplacer({ [TAB]: " ", "\n": " ", "\r": " " });

function leef(event: HeraldEvent): string {
  // The default LEEF 2.0 header names its tab delimiter in hex: x09.
  const header = `LEEF:2.0|Herald|Herald|1.0|${leefHeaderText(event.type)}|x09`;
  let line = `${header}|devTime=${Date.parse(event.time)}${TAB}sev=${SIEM_SEVERITY[event.severity]}`;
  for (const { key, value } of leefAttributes(event, TAB, [])) line += `${TAB}${key}=${leefValue(value)}`;
  return line;
}

/** Syslog's default facility, local0 (code 16). */
const LOCAL0 = 16;
const escapeSdValue = characterReplacer({ '"': '\\"', "\\": "\\\\", "]": "\\]" });

/** What syslog replaces with "_" in MSGID, and in SD-PARAM names, which also exclude = ] and ". */
const NOT_PRINTABLE = /[^!-~]/gu;
const NOT_IN_SD_NAME = /[^!-~]|[=\]"]/gu;

/** `text` as a syslog header or SD name: `unusable` characters as "_", at most 32, never empty. */
function syslogName(text: string, unusable: RegExp): string {
  return text.replace(unusable, "_").slice(0, 32) || "_";
}

function syslog(event: HeraldEvent): string {
  const pri = LOCAL0 * 8 + SYSLOG_SEVERITIES[event.severity];
  const time = new Date(event.time).toISOString();
  let sd = `[herald@32473 id="${escapeSdValue(event.id)}" type="${escapeSdValue(event.type)}"`;
  sd += ` source="${escapeSdValue(event.source)}" severity="${event.severity}"`;
  if (event.subject !== null) sd += ` subject="${escapeSdValue(event.subject)}"`;
  for (const [path, value] of Object.entries(flattenObject(event.data))) {
    sd += ` ${syslogName(`data.${path}`, NOT_IN_SD_NAME)}="${escapeSdValue(valueText(value))}"`;
  }
  const header = `<${pri}>1 ${time} herald herald - ${syslogName(event.type, NOT_PRINTABLE)} ${sd}]`;
  return event.title === "" ? header : `${header} ${event.title}`;
}

function splunkHec(event: HeraldEvent): string {
  const { id, type, severity, source, title, subject, time, data } = event;
  return JSON.stringify({
    time: Date.parse(time) / 1000,
    host: "herald",
    source,
    sourcetype: "herald:event",
    event: { id, event_type: type, severity, source, title, subject, time, data },
  });
}

/** The hand-written serializer of each format, by the format's name. */
export const HANDWRITTEN: Record<string, Serializer> = {
  json,
  slack,
  teams,
  cef,
  leef,
  syslog,
  splunk_hec: splunkHec,
};
