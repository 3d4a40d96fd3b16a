import type { HeraldEvent } from "../../../src/events/event";
import { flattenObject } from "../../../src/text";

/** A field a human format shows: its label, its value as text, and the data path it came from. */
export interface FirstField {
  label: string;
  value: string;
  /** The flattened data path of the field ("remote_addr4"). */
  from: string;
}

/**
 * For every fixture, the key fields Slack, Teams, Discord and PagerDuty show before the rest of
 * the data, exactly and in this order: what a responder looks for first (src/formats/key-fields.ts).
 */
export const FIRST_FIELDS: Record<string, FirstField[]> = {
  "wallarm-hit-sqli": [
    { label: "Source IP", value: "111.17.1.1", from: "remote_addr4" },
    { label: "Source port", value: "41616", from: "remote_port" },
    { label: "Host", value: "example.com", from: "domain" },
    { label: "Path", value: "/", from: "path" },
    { label: "Method", value: "GET", from: "method" },
    { label: "Action", value: "monitored", from: "block_status" },
  ],
  "wallarm-vulnerability": [{ label: "Host", value: "www.example.com", from: "domain" }],
  "website-defender-auto-ban": [
    { label: "Source IP", value: "192.168.1.100", from: "client_ip" },
    { label: "Reason", value: "excessive 4xx responses", from: "reason" },
  ],
  "website-defender-brute-force": [
    { label: "Source IP", value: "203.0.113.7", from: "client_ip" },
    { label: "Path", value: "/admin/login", from: "path" },
    { label: "Reason", value: "52 failed logins in 60s", from: "reason" },
    { label: "Count", value: "52", from: "attempts" },
  ],
  "mailserver-auth-failed": [
    { label: "Source IP", value: "198.51.100.23", from: "remote_ip" },
    { label: "User", value: "alice", from: "account" },
  ],
  "pentest-critical-finding": [{ label: "URL", value: "https://app.acme.example/api/upload", from: "asset" }],
};

/** The fixture's first fields; a fixture added to ../shared/fixtures needs its row above. */
export function firstFieldsOf(name: string): FirstField[] {
  const fields = FIRST_FIELDS[name];
  if (!fields) throw new Error(`no FIRST_FIELDS row for the fixture ${name}`);
  return fields;
}

/** The event's data fields after the first ones: flattened, by path, in the producer's order. */
export function otherDataFields(event: HeraldEvent, first: FirstField[]): [string, unknown][] {
  const shown = new Set(first.map((field) => field.from));
  return Object.entries(flattenObject(event.data)).filter(([path]) => !shown.has(path));
}
