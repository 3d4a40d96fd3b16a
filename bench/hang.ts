/**
 * npm run bench -- --hang: one receiver that hangs must not slow the others. Webhook B (json) gets
 * BENCH_HANG_EVENTS events (2,000), first alone, then beside webhook A, subscribed to the same
 * events, whose receiver never answers (each request held until A's timeout_ms of 30 s). Prints
 * B's time from the first post to its last receipt in both runs and their ratio: flow control's
 * promise is that A holds only its own max_in_flight requests, so B's time stays within 20 %.
 */
import { banEvent, eventId, receiptFigures, type Store, startHerald, startReceiver } from "./herald";

const EVENTS = Number(process.env.BENCH_HANG_EVENTS ?? 2000);
const BATCH = 500;

interface HangRun {
  withHangingWebhook: boolean;
  seconds: number;
  figures: ReturnType<typeof receiptFigures>;
  /** Requests the hanging receiver was holding when B's last event arrived. */
  heldByHanging: number;
}

async function run(
  store: Store,
  serverUrl: string | undefined,
  withHangingWebhook: boolean,
): Promise<HangRun> {
  const receiver = await startReceiver();
  const herald = await startHerald(store, serverUrl);
  try {
    if (withHangingWebhook) {
      await herald.createWebhook({
        name: "hangs",
        url: `${receiver.url}/hang`,
        format: "json",
        timeout_ms: 30_000,
      });
    }
    await herald.createWebhook({ name: "b", url: `${receiver.url}/hook`, format: "json" });
    const postedAt = new Map<string, number>();
    const started = Date.now();
    for (let batch = 0; batch * BATCH < EVENTS; batch++) {
      const events = Array.from({ length: Math.min(BATCH, EVENTS - batch * BATCH) }, (_, n) =>
        banEvent(eventId(batch, n), `203.0.113.${n % 250}`),
      );
      const sentAt = Date.now();
      const response = await herald.call("POST", "/api/v1/events", events);
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
      for (const event of events) postedAt.set(event.id, sentAt);
    }
    while ((await receiver.count()) < EVENTS) {
      if (Date.now() - started > 300_000) throw new Error("webhook B did not get every event in 300 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const figures = receiptFigures(await receiver.received(), postedAt, started);
    const last = Math.max(...Object.values(await receiver.received()));
    const heldByHanging = (await receiver.messages()).byPath["/hang"] ?? 0;
    return { withHangingWebhook, seconds: (last - started) / 1000, figures, heldByHanging };
  } finally {
    await herald.stop();
    await receiver.stop();
  }
}

export async function benchHang(store: Store, serverUrl?: string) {
  const alone = await run(store, serverUrl, false);
  const beside = await run(store, serverUrl, true);
  return { store, events: EVENTS, alone, beside, ratio: beside.seconds / alone.seconds };
}
