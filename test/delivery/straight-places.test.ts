import { describe, expect, it } from "vitest";
import { createStraightSender } from "../../src/delivery/straight";
import { createWebhookWindows } from "../../src/delivery/windows";
import type { DeliveryJob } from "../../src/store/queue";
import type { WebhookRow } from "../../src/store/webhooks";
import { inputToRow, webhookInputSchema } from "../../src/webhooks/schema";

function webhookRow(settings: Record<string, unknown> = {}): WebhookRow {
  const input = webhookInputSchema.parse({ name: "w", url: "http://127.0.0.1:9/", ...settings });
  return {
    ...inputToRow(input),
    id: "00000000-0000-4000-8000-000000000001",
    paused: false,
    throttleReason: null,
    throttledUntil: null,
  } as WebhookRow;
}

function job(webhook: WebhookRow, n: number): DeliveryJob {
  return { deliveryId: `d${n}`, attempt: 1, webhook } as DeliveryJob;
}

function straightPath() {
  const windows = createWebhookWindows();
  const launched: string[] = [];
  const givenBack: string[] = [];
  const path = createStraightSender({
    workerId: "w",
    leaseMs: 60_000,
    windows,
    freeRequests: () => 100,
    stopping: () => false,
    now: () => new Date(),
    launchReserved: (request) => {
      launched.push(request[0].deliveryId);
      windows.add(request, true);
      windows.startable(request[0].webhook.id);
    },
    giveBack: async (jobs) => {
      givenBack.push(...jobs.map((each) => each.deliveryId));
    },
  });
  return { windows, path, launched, givenBack };
}

describe("places for deliveries sent straight from ingest", () => {
  it("gives back, unsent, a delivery whose receiver asked to hold off while its ingest committed", async () => {
    const { windows, path, launched, givenBack } = straightPath();
    const webhook = webhookRow({ max_in_flight: 2 });
    expect(path.sender.reserve(webhook, 2)).toBe(2);
    windows.holdOff(webhook.id); // a 429 from a request sent before
    path.sender.send([job(webhook, 1), job(webhook, 2)]);
    await path.idle();
    expect(launched).toEqual([]);
    expect(givenBack).toEqual(["d1", "d2"]);
    expect(windows.held().get(webhook.id) ?? 0).toBe(0);
    expect(path.reserved()).toBe(0);
  });

  it("a stale row of the ingest's may lower the places it reserves, never raise the window's", () => {
    const { windows, path } = straightPath();
    const claimed = webhookRow({ max_in_flight: 1 });
    windows.add([job(claimed, 1)]);
    expect(windows.startable(claimed.id)).toHaveLength(1);
    const stale = webhookRow({ max_in_flight: 8 });
    expect(path.sender.reserve(stale, 5)).toBe(0);
    windows.add([job(claimed, 2)]);
    windows.add([job(claimed, 3)]);
    windows.done(claimed.id);
    expect(windows.startable(claimed.id)).toHaveLength(1);
  });

  it("counts its reservations until the ingest hands them over or gives them back", () => {
    const { path, launched } = straightPath();
    const webhook = webhookRow({ max_in_flight: 4 });
    expect(path.sender.reserve(webhook, 3)).toBe(3);
    expect(path.reserved()).toBe(3);
    path.sender.send([job(webhook, 1)]);
    path.sender.release(webhook.id, 2);
    expect(path.reserved()).toBe(0);
    expect(launched).toEqual(["d1"]);
  });
});
