import { setTimeout as sleep } from "node:timers/promises";
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
  waitUntilSettled,
} from "./setup";

// The receiver is down for 60 s; CI waits FAULT_RECEIVER_DOWN_S (8 by default): half of
// it refusing connections, half taking them and never answering.
const DOWN_S = envNumber("FAULT_RECEIVER_DOWN_S", 8);
const EVENTS = envNumber("FAULT_RECEIVER_EVENTS", 20);
/** 1, 2, 4 s for the 8 s of CI; scaled with the time down, so that the webhook's 10 retries outlast it. */
const SCHEDULE_S = [1, 2, 4].map((seconds) => (seconds * DOWN_S) / 8);
/** Each wait is the schedule's ±20 %; the attempt before it may be recorded a little after it ended. */
const JITTER = 0.8;
const RECORDING_SLACK_MS = 500;

let store: ProcessStore | undefined;
let receiver: EventReceiver | undefined;
let herald: HeraldProcess | undefined;

stopAfterEachTest(() => ({ heralds: herald ? [herald] : [], receiver, store }));

interface AttemptRow {
  attempt: number;
  success: boolean;
  error: string | null;
  created_at: string;
}

/** Each delivery of the webhook with its attempts, oldest first. */
async function historyOf(gateway: HeraldProcess, webhookId: string) {
  const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhookId}/deliveries?limit=1000`);
  return Promise.all(
    (body.data as { id: string }[]).map(async ({ id }) => {
      const { body: delivery } = await gateway.api("GET", `/api/v1/deliveries/${id}`);
      return delivery as { status: string; attempts: AttemptRow[] };
    }),
  );
}

/** The attempts that break the schedule: numbered out of turn, or sooner after the one before than it allows. */
function offSchedule(attempts: AttemptRow[]) {
  return attempts.slice(1).flatMap((attempt, index) => {
    const before = attempts[index] as AttemptRow;
    const waitS = SCHEDULE_S[Math.min(before.attempt - 1, SCHEDULE_S.length - 1)] as number;
    const gapMs = Date.parse(attempt.created_at) - Date.parse(before.created_at);
    const early = gapMs < waitS * 1000 * JITTER - RECORDING_SLACK_MS;
    return attempt.attempt !== before.attempt + 1 || early ? [{ before, attempt, gapMs }] : [];
  });
}

it(`a receiver down (refused ${DOWN_S / 2} s, then timeouts ${DOWN_S / 2} s), then back: every event arrives after attempts spaced by the retry schedule`, async () => {
  store = await createProcessStore(quickStore());
  receiver = await startEventReceiver();
  await receiver.stopListening();
  herald = await startHeraldProcess({
    ...FAULT_SETTINGS,
    ...store.env,
    HERALD_RETRY_SCHEDULE: SCHEDULE_S.join(","),
  });
  const webhookId = await subscribe(herald, {
    url: receiver.url,
    timeout_ms: 1000,
    connect_timeout_ms: 500,
    retry_count: 10,
  });
  const events = faultEvents("receiver-down", EVENTS);
  await postRoundRobin([herald], events);

  await sleep((DOWN_S / 2) * 1000);
  receiver.answerWith(() => "never");
  await receiver.listen();
  await sleep((DOWN_S / 2) * 1000);
  const backAt = Date.now();
  receiver.answerWith(() => 0);
  await receiver.waitForAll(idsOf(events), DELIVERED_WITHIN_MS);
  await waitUntilSettled(herald);

  const history = await historyOf(herald, webhookId);
  const failures = history.flatMap((delivery) => delivery.attempts.filter((attempt) => !attempt.success));
  expect(history.map((delivery) => delivery.status)).toEqual(events.map(() => "delivered"));
  for (const { attempts } of history) {
    // Failed attempts while it was down, then the one that got through.
    expect(attempts.map((attempt) => attempt.success)).toEqual(
      attempts.map((_, i) => i === attempts.length - 1),
    );
    expect(offSchedule(attempts)).toEqual([]);
  }
  expect(failures.some((attempt) => /refused/i.test(attempt.error ?? ""))).toBe(true);
  expect(failures.some((attempt) => /time/i.test(attempt.error ?? ""))).toBe(true);
  const firstAfterBack = Math.min(
    ...receiver.arrivals.filter((arrival) => arrival.at >= backAt).map((arrival) => arrival.at),
  );
  // Requests it took and never answered (while it hung) were rightly sent again: only a second 200 is a duplicate.
  const answered = receiver.arrivals.filter((arrival) => arrival.answered);
  recordFigures({
    fault: `receiver refused ${DOWN_S / 2} s, then hung ${DOWN_S / 2} s (schedule ${SCHEDULE_S}, ${failures.length} failed attempts)`,
    store: store.kind,
    events: EVENTS,
    lost: EVENTS - receiver.received().size,
    duplicates: answered.length - new Set(answered.map((arrival) => arrival.eventId)).size,
    recoveryS: (firstAfterBack - backAt) / 1000,
  });
}, 120_000);
