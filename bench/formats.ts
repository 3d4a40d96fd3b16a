/**
 * Render rate of each format: events/s on this thread through the format with its default
 * template and options, beside a hand-written serializer of the same body (bench/handwritten.ts).
 * The target is a ratio (template ÷ hand-written) of at least 0.5. Runs alone too:
 * `npx tsx bench/formats.ts`; BENCH_FORMAT_SECONDS sets how long each path is timed (default 1).
 */
import { pathToFileURL } from "node:url";
import type { HeraldEvent } from "../src/events/event";
import { FORMATS } from "../src/formats/registry";
import { createTemplateEngine } from "../src/templates/handlebars";
import { allFixtureEvents } from "../test/support/fixtures";
import { HANDWRITTEN, type Serializer } from "./handwritten";

export interface Row {
  format: string;
  templateEventsPerSecond: number;
  handwrittenEventsPerSecond: number;
  /** Template ÷ hand-written: 1 is as fast, the target is at least 0.5. */
  ratio: number;
}

const SECONDS = Number(process.env.BENCH_FORMAT_SECONDS ?? 1);
const WARM_UP_SECONDS = SECONDS / 5;
/**
 * Each path's time is split into rounds that alternate with the other path's, so that load from
 * other processes on the machine weighs on both alike.
 */
const ROUNDS = 5;
/** Renders between looks at the clock. */
const BATCH = 100;
/** The send time the formats get; none of the default templates shows it. */
const NOW = new Date("2026-11-23T12:00:00Z");

/** Renders done and milliseconds spent by one path. */
interface Tally {
  rendered: number;
  ms: number;
}

/** Renders for about `seconds`, cycling through `events`. */
function timed(serialize: Serializer, events: HeraldEvent[], seconds: number): Tally {
  let rendered = 0;
  // Summing the lengths keeps the bodies in use, so no render can be optimised away.
  let characters = 0;
  const start = performance.now();
  let ms = 0;
  while (ms < seconds * 1000) {
    for (let i = 0; i < BATCH; i++) {
      characters += serialize(events[(rendered + i) % events.length] as HeraldEvent).length;
    }
    rendered += BATCH;
    ms = performance.now() - start;
  }
  if (characters === 0) throw new Error("nothing was rendered");
  return { rendered, ms };
}

/** Events per second of both paths, timed in alternating rounds after a warm-up of each. */
function rates(
  template: Serializer,
  handwritten: Serializer,
  events: HeraldEvent[],
): { template: number; handwritten: number } {
  timed(template, events, WARM_UP_SECONDS);
  timed(handwritten, events, WARM_UP_SECONDS);
  const templateRounds: Tally[] = [];
  const handwrittenRounds: Tally[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    templateRounds.push(timed(template, events, SECONDS / ROUNDS));
    handwrittenRounds.push(timed(handwritten, events, SECONDS / ROUNDS));
  }
  return { template: perSecond(templateRounds), handwritten: perSecond(handwrittenRounds) };
}

function perSecond(rounds: Tally[]): number {
  const rendered = rounds.reduce((sum, round) => sum + round.rendered, 0);
  const ms = rounds.reduce((sum, round) => sum + round.ms, 0);
  return rendered / (ms / 1000);
}

/** Throws unless the two serializers write the same body for every event. */
function assertSameBodies(
  name: string,
  template: Serializer,
  handwritten: Serializer,
  events: HeraldEvent[],
) {
  for (const event of events) {
    const expected = template(event);
    const actual = handwritten(event);
    if (actual !== expected) {
      throw new Error(
        `${name}: the hand-written body differs from the format's for event ${event.id}\n` +
          `format:       ${expected}\nhand-written: ${actual}`,
      );
    }
  }
}

export async function benchFormats(): Promise<Row[]> {
  const engine = createTemplateEngine(FORMATS);
  const events = allFixtureEvents().map(({ event }) => event);
  // Formats without a hand-written twin (added since the comparison was written) are left out.
  return FORMATS.flatMap((format) => {
    const handwritten = HANDWRITTEN[format.name];
    if (!handwritten) return [];
    const options = format.optionsSchema.parse({});
    const template = engine.compile(engine.defaultSource(format.name));
    const viaTemplate: Serializer = (event) => format.render({ event, options, template, now: NOW }).body;
    assertSameBodies(format.name, viaTemplate, handwritten, events);

    const rate = rates(viaTemplate, handwritten, events);
    return {
      format: format.name,
      templateEventsPerSecond: Math.round(rate.template),
      handwrittenEventsPerSecond: Math.round(rate.handwritten),
      ratio: Math.round((rate.template / rate.handwritten) * 100) / 100,
    };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchFormats());
}
