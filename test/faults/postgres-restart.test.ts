import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { type HeraldProcess, startHeraldProcess } from "../support/herald-process";
import { type EventReceiver, startEventReceiver } from "./event-receiver";
import { recordFigures } from "./figures";
import { type PrivatePostgres, startPrivatePostgres } from "./private-postgres";
import {
  DELIVERED_WITHIN_MS,
  envNumber,
  FAULT_SETTINGS,
  faultEvents,
  stopAfterEachTest,
  subscribe,
  waitUntilSettled,
} from "./setup";

// The database goes away under a running Herald and comes back. A private server (the shared one
// on 5432 serves the other test files meanwhile), crashed with pg_ctl stop -m immediate.
const DOWN_S = envNumber("FAULT_PG_DOWN_S", 4);
/** How long events are posted before the crash and after the server is back. */
const AROUND_MS = 3000;

let postgres: PrivatePostgres | undefined;
let receiver: EventReceiver | undefined;
let herald: HeraldProcess | undefined;

stopAfterEachTest(() => ({ heralds: herald ? [herald] : [], receiver, store: postgres }));

interface Answer {
  at: number;
  /** 0: no answer at all (the connection failed, or 15 s passed). */
  status: number;
  ids: string[];
}

/** Posts batches of 10 events one after another until stopped; answers what each post got. */
function postContinuously(target: HeraldProcess) {
  const answers: Answer[] = [];
  let stopped = false;
  const posting = (async () => {
    for (let batch = 0; !stopped; batch += 1) {
      const events = faultEvents(`pg-restart-${batch}`, 10);
      const status = await fetch(`${target.url}/api/v1/events`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${target.env.HERALD_ADMIN_TOKEN}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(events),
        signal: AbortSignal.timeout(15_000),
      }).then(
        (response) => response.status,
        () => 0,
      );
      answers.push({ at: Date.now(), status, ids: events.map((event) => event.id) });
      await sleep(50);
    }
  })();
  return async () => {
    stopped = true;
    await posting;
    return answers;
  };
}

describe.runIf(process.env.TEST_DATABASE_URL)("PostgreSQL restarted under Herald", () => {
  it(`crashed for ${DOWN_S} s mid-run: ingest answers 503 meanwhile, Herald keeps running, and every event it accepted is delivered`, async () => {
    postgres = await startPrivatePostgres();
    receiver = await startEventReceiver();
    herald = await startHeraldProcess({
      ...FAULT_SETTINGS,
      DATABASE_URL: postgres.url,
      HERALD_RETRY_SCHEDULE: "1",
    });
    await subscribe(herald, { url: receiver.url });
    const stopPosting = postContinuously(herald);

    await sleep(AROUND_MS);
    const downAt = Date.now();
    await postgres.crash();
    await sleep(DOWN_S * 1000);
    await postgres.start();
    const upAt = Date.now();
    await sleep(AROUND_MS);
    const answers = await stopPosting();

    const accepted = answers.filter((answer) => answer.status === 202).flatMap((answer) => answer.ids);
    const whileDown = answers.filter((answer) => answer.at > downAt && answer.at < upAt);
    expect(herald.running(), herald.output()).toBe(true);
    const others = answers.filter((answer) => answer.status !== 202 && answer.status !== 503);
    expect(others.map((answer) => `${answer.status} at ${answer.at - downAt} ms after the crash`)).toEqual(
      [],
    );
    expect(whileDown.map((answer) => answer.status)).toContain(503);
    // A connection tries again within a second of failing (store/db.ts): soon after the server
    // is back, every post is taken.
    const afterRecovery = answers.filter((answer) => answer.at > upAt + 2000).map((answer) => answer.status);
    expect(afterRecovery.length).toBeGreaterThan(0);
    expect(afterRecovery.filter((status) => status !== 202)).toEqual([]);
    await receiver.waitForAll(accepted, DELIVERED_WITHIN_MS);
    await waitUntilSettled(herald);
    expect(herald.running(), herald.output()).toBe(true);
    recordFigures({
      fault: `PostgreSQL crashed (stop -m immediate) for ${DOWN_S} s, then started; ${whileDown.length} posts while down, ${answers.filter((answer) => answer.status === 503).length} answered 503`,
      store: "postgres (private)",
      events: accepted.length,
      lost: accepted.filter((id) => !receiver?.received().has(id)).length,
      duplicates: receiver.duplicates(),
      requests: answers.length,
      // 503 is the answer asked for while the database is gone; any other 5xx is a fault.
      fiveXx: answers.filter((answer) => answer.status >= 500 && answer.status !== 503).length,
    });
  }, 120_000);
});
