import { z } from "zod";
import type { HeraldEvent } from "../events/event";
import { truncateChars } from "../text";
import { valueAtPath } from "./key-fields";

// The links an event carries, as the human formats show them: a Slack button, a Teams
// Action.OpenUrl, a Discord embed's url, PagerDuty's links. Only http(s) URLs: anything else (a
// javascript: or data: URL) is left out with a warning, whoever wrote it.

export interface EventLink {
  url: string;
  /** The button's text: the link's own title, else "Open in <source>" (for data.url: "Open <host>"). */
  title: string;
}

const MAX_URL_LENGTH = 2000;
const MAX_LINKS = 5;
/** Slack's limit for a button's text, the strictest of the receivers. */
const MAX_TITLE = 75;

const PLACEHOLDER = /\{([^{}]*)\}/g;
const EVENT_FIELDS = ["id", "type", "source", "time", "severity", "title", "subject"];
const PLACEHOLDER_PATH = /^data\.[^\s{}]+$/;

/**
 * The `link_template` option: an http(s) URL whose scheme and host are written out, with
 * {data.field} (or {id}, {source}, …) placeholders after the host. Each value is percent-encoded,
 * so an event can fill in a path segment or a query value but never change where the link goes.
 */
export const linkTemplateSchema = z
  .string()
  .max(MAX_URL_LENGTH, `a link template is at most ${MAX_URL_LENGTH} characters`)
  .superRefine((text, ctx) => {
    const problem = linkTemplateProblem(text);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .optional();

function linkTemplateProblem(text: string): string | undefined {
  if (!/^https?:\/\/[^\s{}/?#]+(?:[/?#]|$)/i.test(text)) {
    return 'must start with "https://" or "http://" and a host written out; {placeholders} only after the host, e.g. "https://my.wallarm.com/search?q={data.id.1}"';
  }
  if (/\s/.test(text)) return "must not contain spaces or line breaks";
  for (const [, path = ""] of text.matchAll(PLACEHOLDER)) {
    if (!PLACEHOLDER_PATH.test(path) && !EVENT_FIELDS.includes(path)) {
      return `{${path}} is not a path into the event: write {data.<field>} or one of {${EVENT_FIELDS.join("}, {")}}`;
    }
  }
  const filled = text.replace(PLACEHOLDER, "x");
  if (/[{}]/.test(filled)) return 'has a "{" or "}" that is not part of a {placeholder}';
  if (!URL.canParse(filled)) return "is not a URL once its placeholders are filled in";
  return undefined;
}

/** A place an event may carry a link, and the link's own title there if it has one. */
interface Candidate {
  where: string;
  value: unknown;
  title?: unknown;
}

/**
 * The event's http(s) links, at most five: the link_template's, then data.link, the entries of
 * data.links (strings or {url|href, title|name}), data.url and data.asset, each URL once.
 */
export function eventLinks(event: HeraldEvent, linkTemplate: string | undefined, warnings: string[]) {
  const candidates: Candidate[] = [];
  if (linkTemplate) {
    const url = fillLinkTemplate(linkTemplate, event, warnings);
    if (url !== undefined) candidates.push({ where: "link_template", value: url });
  }
  candidates.push(...dataCandidates(event.data));
  const links: EventLink[] = [];
  for (const candidate of candidates) {
    const url = httpUrl(candidate.value, candidate.where, warnings);
    if (url === undefined || links.some((link) => link.url === url)) continue;
    if (links.length === MAX_LINKS) {
      warnings.push(`links: only the first ${MAX_LINKS} are shown`);
      break;
    }
    links.push({ url, title: linkTitle(candidate, url, event.source, warnings) });
  }
  return links;
}

/** The first http(s) link in data (link, links, url, asset), else "": no warnings, for templates. */
export function firstDataLink(data: unknown): string {
  for (const candidate of dataCandidates(data)) {
    const url = httpUrl(candidate.value, candidate.where, []);
    if (url !== undefined) return url;
  }
  return "";
}

function dataCandidates(data: unknown): Candidate[] {
  if (typeof data !== "object" || data === null) return [];
  const at = (name: string) =>
    Object.hasOwn(data, name) ? (data as Record<string, unknown>)[name] : undefined;
  const candidates: Candidate[] = [{ where: "data.link", value: at("link") }];
  const list = at("links");
  if (Array.isArray(list)) {
    for (const [index, item] of list.slice(0, 50).entries()) {
      const where = `data.links[${index}]`;
      if (typeof item === "string") candidates.push({ where, value: item });
      else if (typeof item === "object" && item !== null) {
        const entry = item as Record<string, unknown>;
        candidates.push({ where, value: entry.url ?? entry.href, title: entry.title ?? entry.name });
      }
    }
  }
  candidates.push({ where: "data.url", value: at("url") }, { where: "data.asset", value: at("asset") });
  return candidates;
}

/**
 * The URL when `value` is an absolute http(s) URL (normalised), else undefined. Texts that are
 * not absolute URLs (a path) are not links; a URL of another scheme, or too long, is left out
 * with a warning.
 */
function httpUrl(value: unknown, where: string, warnings: string[]): string | undefined {
  if (typeof value !== "string" || !URL.canParse(value)) return undefined;
  const { protocol, href } = new URL(value);
  if (protocol !== "https:" && protocol !== "http:") {
    warnings.push(`${where}: left out, only http(s) links are shown, not ${protocol}`);
    return undefined;
  }
  if (href.length > MAX_URL_LENGTH) {
    warnings.push(`${where}: left out, a link is at most ${MAX_URL_LENGTH} characters`);
    return undefined;
  }
  return href;
}

function linkTitle(candidate: Candidate, url: string, source: string, warnings: string[]): string {
  const own = typeof candidate.title === "string" ? candidate.title.trim() : "";
  const isTarget = candidate.where === "data.url" || candidate.where === "data.asset";
  const title = own || (isTarget ? `Open ${new URL(url).host}` : `Open in ${source.trim() || "source"}`);
  const cut = truncateChars(title, MAX_TITLE);
  if (cut !== title) warnings.push(`${candidate.where}: the link's title cut to ${MAX_TITLE} characters`);
  return cut;
}

/** The link_template with the event's values in its placeholders, or undefined when one is missing. */
function fillLinkTemplate(template: string, event: HeraldEvent, warnings: string[]): string | undefined {
  let missing: string | undefined;
  const url = template.replace(PLACEHOLDER, (_, path: string) => {
    const value = path.startsWith("data.")
      ? valueAtPath(event.data, path.slice("data.".length))?.value
      : event[path as keyof HeraldEvent];
    const text = typeof value === "number" || typeof value === "boolean" ? String(value) : value;
    if (typeof text !== "string" || text === "") {
      missing ??= path;
      return "";
    }
    return encodeURIComponent(text.toWellFormed());
  });
  if (missing === undefined) return url;
  warnings.push(`link_template: {${missing}} has no text in this event, so it has no link`);
  return undefined;
}
