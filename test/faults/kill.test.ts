import { describe, expect, it } from "vitest";
import { type HeraldProcess, startHeraldProcess } from "../support/herald-process";
import { type Arrival, type EventReceiver, firstArrivalAfter, startEventReceiver } from "./event-receiver";
import { recordFigures } from "./figures";
import {
  createProcessStore,
  DELIVERED_WITHIN_MS,
  FAULT_EVENTS,
  FAULT_SETTINGS,
  faultEvents,
  type HandedBack,
  idsOf,
  type ProcessStore,
  postRoundRobin,
  stopAfterEachTest,
  subscribe,
  until,
  waitUntilSettled,
} from "./setup";

// kill -9 in the middle of delivery: Herald gets no chance to release or record anything. What
// it had claimed goes out again (fast recovery, store/workers.ts), and only that can arrive twice.

/** Slow enough that a webhook's whole max_in_flight is open at the receiver at any moment. */
const ANSWER_MS = 250;
const MAX_IN_FLIGHT = 64;

let store: ProcessStore | undefined;
let receiver: EventReceiver | undefined;
const processes: HeraldProcess[] = [];

stopAfterEachTest(() => ({ heralds: processes.splice(0), receiver, store }));

/** Posts the events, and returns once a quarter of them have arrived and more are open: delivery is in full swing. */
async function deliverUntilAQuarter(heralds: HeraldProcess[], prefix: string) {
  receiver = await startEventReceiver(() => ANSWER_MS);
  await subscribe(heralds[0] as HeraldProcess, { url: receiver.url, max_in_flight: MAX_IN_FLIGHT });
  const events = faultEvents(prefix, FAULT_EVENTS);
  await postRoundRobin(heralds, events);
  const target = receiver;
  await until(
    "a quarter of the events delivered, requests open",
    () => target.received().size >= FAULT_EVENTS / 4 && target.inFlight() > 0,
  );
  return idsOf(events);
}

/**
 * What the receiver shows after the run, checked against the history: every event arrived, every
 * request the dead process left open was handed back, and only handed-back deliveries arrived twice.
 */
function checkAgainstHistory(
  target: EventReceiver,
  ids: string[],
  openAtKill: Arrival[],
  handedBack: HandedBack[],
) {
  // Requests still unanswered once all is delivered were the dead process's (a live one's get answered).
  const cutOff = openAtKill.filter((arrival) => !arrival.answered);
  const handedBackIds = new Set(handedBack.map((row) => row.deliveryId));
  const repeated = target.arrivals.filter(
    (arrival, index) => target.arrivals.findIndex((first) => first.eventId === arrival.eventId) !== index,
  );
  expect(ids.filter((id) => !target.received().has(id))).toEqual([]);
  expect(handedBack.length, "claims handed back after the kill").toBeGreaterThan(0);
  expect(cutOff.filter((arrival) => !handedBackIds.has(arrival.deliveryId))).toEqual([]);
  expect(repeated.filter((arrival) => !handedBackIds.has(arrival.deliveryId))).toEqual([]);
  expect(target.duplicates()).toBeLessThanOrEqual(handedBack.length);
  return { cutOff: cutOff.length, lost: ids.filter((id) => !target.received().has(id)).length };
}

/** Seconds from `since` to the first hand-back. */
const secondsAfter = (handedBack: HandedBack[], since: number) =>
  handedBack[0] && (handedBack[0].at - since) / 1000;

/** Seconds from `since` to the first handed-back delivery the receiver got after the hand-back. */
const sentAgainAfter = (target: EventReceiver, handedBack: HandedBack[], since: number) =>
  handedBack[0] &&
  firstArrivalAfter(
    target.arrivals,
    new Set(handedBack.map((row) => row.deliveryId)),
    handedBack[0].at,
    since,
  );

describe("kill -9 during delivery", () => {
  it("of the only process (PGlite), restarted on its data directory: every event arrives, and only what it had claimed arrives twice", async () => {
    store = await createProcessStore("pglite");
    const first = await startHeraldProcess({ ...FAULT_SETTINGS, ...store.env });
    processes.push(first);
    const ids = await deliverUntilAQuarter([first], "kill-pglite");
    const target = receiver as EventReceiver;

    await first.kill();
    const openAtKill = target.arrivals.filter((arrival) => !arrival.answered);
    const restartedAt = Date.now();
    const restarted = await first.restart();
    processes.push(restarted);
    const startupS = (Date.now() - restartedAt) / 1000;
    await target.waitForAll(ids, DELIVERED_WITHIN_MS);
    await waitUntilSettled(restarted);
    await restarted.terminate();

    const handedBack = await store.handedBack();
    const recoveryS = sentAgainAfter(target, handedBack, restartedAt);
    const { cutOff, lost } = checkAgainstHistory(target, ids, openAtKill, handedBack);
    expect(recoveryS).toBeDefined();
    recordFigures({
      fault: `kill -9 of the only process, restart (startup ${startupS.toFixed(1)} s)`,
      store: "pglite",
      events: ids.length,
      lost,
      duplicates: target.duplicates(),
      inFlight: `${cutOff} / ${handedBack.length}`,
      handedBackS: secondsAfter(handedBack, restartedAt),
      recoveryS,
    });
  }, 180_000);

  it.runIf(process.env.TEST_DATABASE_URL)(
    "of one of two processes on PostgreSQL: the other sends its claims again, every event arrives, and only those twice",
    async () => {
      store = await createProcessStore("postgres");
      const survivor = await startHeraldProcess({ ...FAULT_SETTINGS, ...store.env });
      processes.push(survivor);
      const victim = await startHeraldProcess({ ...FAULT_SETTINGS, ...store.env });
      processes.push(victim);
      const ids = await deliverUntilAQuarter([survivor, victim], "kill-postgres");
      const target = receiver as EventReceiver;

      const killedAt = Date.now();
      await victim.kill();
      const openAtKill = target.arrivals.filter((arrival) => !arrival.answered);
      await target.waitForAll(ids, DELIVERED_WITHIN_MS);
      await waitUntilSettled(survivor);
      const handedBack = await store.handedBack();
      const recoveryS = sentAgainAfter(target, handedBack, killedAt);
      const { cutOff, lost } = checkAgainstHistory(target, ids, openAtKill, handedBack);
      expect(survivor.running()).toBe(true);
      // Generous: the lease (120 s) is far longer than any wait here; the sweep runs every 3 s.
      expect(recoveryS).toBeLessThan(DELIVERED_WITHIN_MS / 1000);
      recordFigures({
        fault: "kill -9 of one of two processes",
        store: "postgres",
        events: ids.length,
        lost,
        duplicates: target.duplicates(),
        inFlight: `${cutOff} / ${handedBack.length}`,
        handedBackS: secondsAfter(handedBack, killedAt),
        recoveryS,
      });
    },
    120_000,
  );
});
