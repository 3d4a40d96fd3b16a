import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  acceptEvent,
  type HeraldEvent,
  type IncomingEvent,
  incomingEventSchema,
} from "../../src/events/event";

/** Events shaped like the real systems Herald serves, from ../shared/fixtures/events. */
export const FIXTURES_DIR = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "events");

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.replace(/\.json$/, ""));
}

export function rawFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, `${name}.json`), "utf8"));
}

export function incomingFixture(name: string): IncomingEvent {
  return incomingEventSchema.parse(rawFixture(name));
}

/** A fixture as an accepted event (ids and times filled in as ingest would). */
export function fixtureEvent(name: string, receivedAt = new Date("2026-11-23T12:00:00Z")): HeraldEvent {
  return acceptEvent(incomingFixture(name), receivedAt, () => `generated-${name}`);
}

export function allFixtureEvents(): { name: string; event: HeraldEvent }[] {
  return fixtureNames().map((name) => ({ name, event: fixtureEvent(name) }));
}
