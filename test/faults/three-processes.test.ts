import { describe, expect, it } from "vitest";
import { type HeraldProcess, startHeraldProcess } from "../support/herald-process";
import { type EventReceiver, startEventReceiver } from "./event-receiver";
import { recordFigures } from "./figures";
import {
  createProcessStore,
  DELIVERED_WITHIN_MS,
  FAULT_EVENTS,
  FAULT_SETTINGS,
  faultEvents,
  idsOf,
  type ProcessStore,
  postRoundRobin,
  stopAfterEachTest,
  subscribe,
  waitUntilSettled,
} from "./setup";

let store: ProcessStore | undefined;
let receiver: EventReceiver | undefined;
const processes: HeraldProcess[] = [];

stopAfterEachTest(() => ({ heralds: processes.splice(0), receiver, store }));

describe.runIf(process.env.TEST_DATABASE_URL)("three Herald processes on one PostgreSQL", () => {
  it("share the queue without a fault: every event arrives exactly once", async () => {
    const shared = await createProcessStore("postgres");
    store = shared;
    // The database comes migrated (test/support/databases.ts); the first starts alone, the other
    // two then start together.
    const first = await startHeraldProcess({ ...FAULT_SETTINGS, ...shared.env });
    const others = await Promise.all(
      [1, 2].map(() => startHeraldProcess({ ...FAULT_SETTINGS, ...shared.env })),
    );
    processes.push(first, ...others);
    receiver = await startEventReceiver();
    await subscribe(first, { url: receiver.url, max_in_flight: 32 });
    const events = faultEvents("three-processes", FAULT_EVENTS);
    await postRoundRobin(processes, events, 100);
    await receiver.waitForAll(idsOf(events), DELIVERED_WITHIN_MS);
    await waitUntilSettled(first);

    const counts = new Map<string, number>();
    for (const arrival of receiver.arrivals)
      counts.set(arrival.eventId, (counts.get(arrival.eventId) ?? 0) + 1);
    expect([...counts].filter(([, count]) => count > 1)).toEqual([]);
    expect(counts.size).toBe(events.length);
    recordFigures({
      fault: "none: three processes share one queue",
      store: "postgres",
      events: events.length,
      lost: events.length - receiver.received().size,
      duplicates: receiver.duplicates(),
      requests: Math.ceil(events.length / 100),
      fiveXx: 0,
    });
  }, 120_000);
});
