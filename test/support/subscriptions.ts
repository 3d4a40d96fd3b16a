import { expect } from "vitest";
import { eventually, type TestGateway } from "./gateway";
import { type AnswerFunction, type Receiver, startReceiver } from "./receiver";

/** Creates a webhook through the API (name "h" unless given), failing the test on anything but 201. */
export async function subscribe(gateway: TestGateway, fields: Record<string, unknown>) {
  const { status, body } = await gateway.api("POST", "/api/v1/webhooks", { name: "h", ...fields });
  expect(status, JSON.stringify(body)).toBe(201);
  return body;
}

/** A webhook's deliveries as the API lists them, newest first. */
export async function deliveriesOf(gateway: TestGateway, webhookId: string): Promise<any[]> {
  const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhookId}/deliveries?limit=1000`);
  return body.data;
}

/** Waits until `count` deliveries of the webhook are in one of `statuses`, and returns them all. */
export function deliveriesIn(
  gateway: TestGateway,
  webhookId: string,
  count: number,
  statuses = ["delivered", "dead"],
  timeoutMs?: number,
): Promise<any[]> {
  return eventually(async () => {
    const deliveries = await deliveriesOf(gateway, webhookId);
    const settled = deliveries.filter((delivery) => statuses.includes(delivery.status));
    return settled.length >= count ? deliveries : undefined;
  }, timeoutMs);
}

/** Posts events (one or a list) through the API, failing the test on anything but 202. */
export async function postEvents(gateway: TestGateway, events: unknown): Promise<void> {
  const { status, body } = await gateway.api("POST", "/api/v1/events", events);
  expect(status, JSON.stringify(body)).toBe(202);
}

/** The receivers a test starts (`start`) or adds (a stand-in), closed together after it (`closeAll`). */
export function receiverPool() {
  const started: Receiver[] = [];
  const add = <R extends Receiver>(receiver: R): R => {
    started.push(receiver);
    return receiver;
  };
  return {
    add,
    start: async (answer?: AnswerFunction): Promise<Receiver> => add(await startReceiver(answer)),
    closeAll: () => Promise.all(started.splice(0).map((receiver) => receiver.close())),
  };
}
