import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { freePort } from "../support/herald-process";

/** One request as it arrived: the event it carried (json format: one event a request) and when. */
export interface Arrival {
  eventId: string;
  /** The delivery's id (webhook-id): the same on every attempt of one delivery. */
  deliveryId: string;
  at: number;
  /** Answered 200 (false while waiting, and for ever when Herald hung up first or it never answers). */
  answered: boolean;
}

/** Milliseconds before an event's 200, or "never" for a receiver that takes the request and hangs. */
export type Answering = (eventId: string) => number | "never";

/**
 * A receiver on a port of its own that counts every event it is sent, answers 200 after a delay
 * of `answering`'s choice, and can stop listening (connection refused) and listen again on the
 * same port: the faults of a receiver, as Herald sees them.
 */
export interface EventReceiver {
  /** The webhook's URL. */
  url: string;
  arrivals: Arrival[];
  answerWith(answering: Answering): void;
  /** Requests received and not answered yet. */
  inFlight(): number;
  /** Events received at least once. */
  received(): Set<string>;
  /** Requests beyond the first for each event. */
  duplicates(): number;
  /** Resolves once every one of `eventIds` has arrived; rejects after `timeoutMs`, naming what is missing. */
  waitForAll(eventIds: string[], timeoutMs: number): Promise<void>;
  /** Closes the port and every connection: from now on Herald gets connection refused. */
  stopListening(): Promise<void>;
  /** Listens on the same port again. */
  listen(): Promise<void>;
}

export async function startEventReceiver(answering: Answering = () => 0): Promise<EventReceiver> {
  const port = await freePort();
  const arrivals: Arrival[] = [];
  let answer = answering;
  const server = http.createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const arrival: Arrival = {
      eventId: (JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id,
      deliveryId: String(req.headers["webhook-id"]),
      at: Date.now(),
      answered: false,
    };
    arrivals.push(arrival);
    const delay = answer(arrival.eventId);
    if (delay === "never") return;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (res.destroyed) return;
    res.writeHead(200).end();
    arrival.answered = true;
  });
  // A hanging request must be Herald's to give up on (its timeout_ms), not the server's.
  server.requestTimeout = 0;
  const listen = () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  await listen();
  const received = () => new Set(arrivals.map((arrival) => arrival.eventId));
  return {
    url: `http://127.0.0.1:${port}/`,
    arrivals,
    answerWith(next) {
      answer = next;
    },
    inFlight: () => arrivals.filter((arrival) => !arrival.answered).length,
    received,
    duplicates: () => arrivals.length - received().size,
    async waitForAll(eventIds, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = received();
        const missing = eventIds.filter((id) => !seen.has(id));
        if (missing.length === 0) return;
        if (Date.now() > deadline) {
          throw new Error(
            `${missing.length} events never arrived within ${timeoutMs} ms: ${missing.slice(0, 5)}…`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stopListening: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    listen,
  };
}

/**
 * Seconds from `since` to the first request of one of `deliveryIds` that arrived after `after`
 * (when they were handed back: earlier ones are their first sends); undefined if none came.
 */
export function firstArrivalAfter(
  arrivals: Arrival[],
  deliveryIds: Set<string>,
  after: number,
  since: number,
): number | undefined {
  const first = arrivals.find((arrival) => arrival.at >= after && deliveryIds.has(arrival.deliveryId));
  return first && (first.at - since) / 1000;
}
