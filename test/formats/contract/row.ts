import { expect } from "vitest";
import type { RecordedRequest } from "../../support/receiver";

/**
 * One format's row in the format contract (test/formats/contract.test.ts): what the suite needs
 * to render with the format and to read what it rendered as the format's receiver would.
 */
export interface ContractRow {
  /** Options every render of the suite uses; the format's optionsSchema must accept them. */
  options: Record<string, unknown>;
  /** The Content-Type every body is sent with, and the receiver reads it as. */
  contentType: string;
  /** Options the format's optionsSchema must refuse, each with the path it names and why. */
  rejectedOptions: RejectedOptions[];
  /**
   * Reads one request body as the format's receiver would, with a parser or stand-in written
   * from the receiver's documentation: throws (or fails an expectation) where the receiver would
   * refuse the body, and returns what it found of each event the body carries, in order.
   */
  receiverParses(body: string): Found[];
  /** Whether the receiver gets the event's id (Slack's message shows none). */
  carriesId: boolean;
  /** The extension of the golden files, test/formats/golden/<format>/<fixture>.<ext>. */
  goldenExtension: string;
}

/** Options, the path of the issue they must raise (as zod gives it), and its message. */
export type RejectedOptions = [options: Record<string, unknown>, path: PropertyKey[], message: RegExp];

/**
 * What every human format (slack, teams, discord, pagerduty: src/formats/human.ts) refuses of its
 * shared `fields` and `link_template` options, beside the `base` options the format needs.
 */
export function humanOptionRejections(base: Record<string, unknown> = {}): RejectedOptions[] {
  return [
    [{ ...base, fields: ["data.a", "remote_addr4"] }, ["fields", 1], /path into the event/],
    [{ ...base, fields: "data.a" }, ["fields"], /expected array/],
    [{ ...base, link_template: "javascript:alert(1)//{data.x}" }, ["link_template"], /https:\/\//],
    [{ ...base, link_template: "https://my.example{data.x}" }, ["link_template"], /host written out/],
    [
      { ...base, link_template: "https://my.example/{process.env}" },
      ["link_template"],
      /not a path into the event/,
    ],
  ];
}

/** One event as the receiver found it in a body. */
export interface Found {
  /** The event's id where the format puts it; null when the format sends none. */
  id: string | null;
  /** The event's title as the receiver shows it (escapes resolved). */
  title: string;
}

export type Json = Record<string, any>;

export function isJsonObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON.parse, and the value must be a JSON object, as every JSON receiver here requires. */
export function parseObject(text: string, what = "the body"): Json {
  const value: unknown = JSON.parse(text);
  if (!isJsonObject(value)) throw new Error(`${what} is not a JSON object: ${text.slice(0, 60)}`);
  return value;
}

/** The value at `key` of `object` must be a string; returns it. */
export function stringAt(object: Json, key: string, what = key): string {
  const value = object[key];
  expect(typeof value, `${what} is a string`).toBe("string");
  return value as string;
}

/** A POST as a stand-in receiver reads it (test/support/receiver.ts), sent with the body given. */
export function postOf(url: string, contentType: string, body: string): RecordedRequest {
  return { method: "POST", url, headers: { "content-type": contentType }, body, clientCertCn: null };
}
