import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import type { TestCerts } from "./certs";

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The client certificate's subject CN, for HTTPS receivers that asked for one. */
  clientCertCn: string | null;
}

/** A POST with a JSON body, as a destination sends it. */
export const jsonPost = (url: string, body: unknown): RecordedRequest => ({
  method: "POST",
  url,
  headers: { "content-type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
  clientCertCn: null,
});

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** How a receiver answers a request. A promise that never settles is a receiver that never answers. */
export type AnswerFunction = (request: RecordedRequest) => Answer | Promise<Answer>;

export interface Receiver {
  /** http(s)://127.0.0.1:<port> */
  origin: string;
  /** The receiver's root URL, `${origin}/`: where a webhook can send to. */
  url: string;
  /** Every request received, in order of arrival. */
  requests: RecordedRequest[];
  /** Answers the next requests with `answer` instead. */
  answerWith(answer: AnswerFunction): void;
  /** Resolves with the requests once `count` have arrived in all; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** HTTPS with the test server certificate; `requireClientCert` asks for one signed by the test CA. */
  tls?: { certs: TestCerts; requireClientCert?: boolean };
}

const OK: AnswerFunction = () => ({ status: 200 });

/**
 * A real HTTP(S) server on 127.0.0.1 that records every request it receives and answers as
 * `answer` says (200 with an empty body unless told otherwise).
 */
export async function startReceiver(
  answer: AnswerFunction = OK,
  options: ReceiverOptions = {},
): Promise<Receiver> {
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let answering = answer;

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const recorded = await record(req);
    requests.push(recorded);
    for (const waiter of waiters.filter((w) => requests.length >= w.count)) waiter.resolve();
    let given: Answer;
    try {
      given = await answering(recorded);
    } catch (error) {
      given = { status: 500, body: `the test receiver's answer function threw: ${(error as Error).message}` };
    }
    // The receiver may have been closed, or the client gone, while the answer was on its way.
    if (res.destroyed || res.writableEnded) return;
    const { status, headers = {}, body = "" } = given;
    res.writeHead(status, headers).end(body);
  };
  const { tls } = options;
  const server = tls
    ? https.createServer(
        {
          key: tls.certs.server.key.pem,
          cert: tls.certs.server.cert.pem,
          ca: tls.certs.ca.pem,
          requestCert: tls.requireClientCert ?? false,
          rejectUnauthorized: tls.requireClientCert ?? false,
        },
        handler,
      )
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `${tls ? "https" : "http"}://127.0.0.1:${port}`;

  return {
    origin,
    url: `${origin}/`,
    requests,
    answerWith(next) {
      answering = next;
    },
    waitFor(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve(requests.slice());
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(waiter), 1);
            resolve(requests.slice());
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`expected ${count} requests, got ${requests.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const socket = req.socket as TLSSocket;
  const commonName =
    typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate()?.subject?.CN : null;
  return {
    method: req.method ?? "",
    url: req.url ?? "",
    headers: req.headers,
    body: Buffer.concat(chunks).toString("utf8"),
    clientCertCn: (Array.isArray(commonName) ? commonName[0] : commonName) ?? null,
  };
}
