import { expect, it } from "vitest";
import { type HeraldProcess, startHeraldProcess } from "../support/herald-process";
import { type EventReceiver, startEventReceiver } from "./event-receiver";
import { recordFigures } from "./figures";
import {
  createProcessStore,
  DELIVERED_WITHIN_MS,
  envNumber,
  FAULT_SETTINGS,
  faultEvents,
  idsOf,
  type ProcessStore,
  postRoundRobin,
  quickStore,
  stopAfterEachTest,
  subscribe,
  until,
  waitUntilSettled,
} from "./setup";

// SIGTERM while deliveries are in flight: Herald stops claiming, lets what is in flight finish
// for HERALD_SHUTDOWN_GRACE_MS, and hands the rest back. Every tenth event's receiver answers
// only after the grace, the others at once: both kinds are in flight at the signal.
const EVENTS = envNumber("FAULT_SIGTERM_EVENTS", 400);
const GRACE_MS = 1500;
const SLOW_MS = 4000;
const answerAfter = (eventId: string) => (Number(eventId.split("-").at(-1)) % 10 === 0 ? SLOW_MS : 100);
const STOPPING = "handed back unanswered: Herald was stopping";

let store: ProcessStore | undefined;
let receiver: EventReceiver | undefined;
const processes: HeraldProcess[] = [];

stopAfterEachTest(() => ({ heralds: processes.splice(0), receiver, store }));

it("SIGTERM under load: what is in flight finishes within the grace or is handed back, and a restart delivers everything", async () => {
  store = await createProcessStore(quickStore());
  const target = await startEventReceiver(answerAfter);
  receiver = target;
  const first = await startHeraldProcess({
    ...FAULT_SETTINGS,
    ...store.env,
    HERALD_SHUTDOWN_GRACE_MS: String(GRACE_MS),
  });
  processes.push(first);
  await subscribe(first, { url: target.url, max_in_flight: 64 });
  const events = faultEvents("sigterm", EVENTS);
  await postRoundRobin([first], events);
  const slowOpen = () =>
    target.arrivals.some((arrival) => !arrival.answered && answerAfter(arrival.eventId) > 100);
  await until(
    "a quarter delivered, a slow request open",
    () => target.received().size >= EVENTS / 4 && slowOpen(),
  );

  const openAtSignal = target.arrivals.filter((arrival) => !arrival.answered);
  const signalledAt = Date.now();
  const exit = await first.terminate();
  const exitS = (Date.now() - signalledAt) / 1000;
  const restarted = await first.restart();
  processes.push(restarted);
  await target.waitForAll(idsOf(events), DELIVERED_WITHIN_MS);
  await waitUntilSettled(restarted);
  await restarted.terminate();

  const handedBack = new Set(
    (await store.handedBack()).filter((row) => row.error.startsWith(STOPPING)).map((row) => row.deliveryId),
  );
  const released = openAtSignal.filter((arrival) => handedBack.has(arrival.deliveryId));
  const finished = openAtSignal.filter((arrival) => !handedBack.has(arrival.deliveryId));
  const slow = openAtSignal.filter((arrival) => answerAfter(arrival.eventId) > GRACE_MS);
  expect(exit, first.output()).toEqual({ code: 0, signal: null });
  // Those the receiver answers only after the grace cannot have finished: each was handed back.
  expect(slow.length).toBeGreaterThan(0);
  expect(slow.filter((arrival) => !handedBack.has(arrival.deliveryId))).toEqual([]);
  expect(finished.length, "requests that finished within the grace").toBeGreaterThan(0);
  expect(target.duplicates()).toBeLessThanOrEqual(handedBack.size);
  expect(idsOf(events).filter((id) => !target.received().has(id))).toEqual([]);
  recordFigures({
    fault: `SIGTERM under load (grace ${GRACE_MS} ms, exited after ${exitS.toFixed(1)} s): of those open, ${finished.length} finished in it and ${released.length} were handed back`,
    store: store.kind,
    events: EVENTS,
    lost: EVENTS - target.received().size,
    duplicates: target.duplicates(),
    inFlight: `${openAtSignal.length} / ${handedBack.size}`,
  });
}, 150_000);
