import http from "node:http";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../../support/gateway";
import { type Receiver, startReceiver } from "../../support/receiver";
import type { OpenApiDocument } from "./schema-arbitrary";

/** One request as the fuzz suite sends it: raw bytes and headers, so both can be hostile. */
export interface FuzzRequest {
  method: string;
  /** Path and query, e.g. /api/v1/events?limit=3. */
  path: string;
  /** Header name and value pairs, sent as they are (a name twice is sent twice). */
  headers: [string, string][];
  body?: Buffer;
  /** The body's property names the OpenAPI document declares: what a 422 may name besides the sent keys. */
  declaredFields?: string[];
  /** What made it, for the counts: "valid", "almost-valid", "garbage", "bad-key", … */
  kind: string;
}

export interface FuzzAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface FuzzGateway {
  gateway: TestGateway;
  /** A receiver that answers 200: where the webhooks the suite creates send. */
  receiver: Receiver;
  document: OpenApiDocument;
  /** The log lines the gateway wrote at error level. */
  errorLines: string[];
  /** A viewer key and an ingest key, made for the suite (the admin's is the bootstrap token). */
  keys: { viewer: string; ingest: string };
  send(request: FuzzRequest): Promise<FuzzAnswer>;
  close(): Promise<void>;
}

/** No request may take longer than this: one that does is a stall. */
export const REQUEST_TIMEOUT_MS = 15_000;

/**
 * A gateway on PGlite for one fuzz file. Failed authentications are allowed far past the usual
 * burst, so that the suite's bad keys answer 401 rather than lock every later request out.
 */
export async function startFuzzGateway(): Promise<FuzzGateway> {
  const logLines: string[] = [];
  const gateway = await startTestGateway(
    "pglite",
    {
      HERALD_AUTH_FAILURES_BURST: "100000",
      HERALD_AUTH_FAILURES_PER_MINUTE: "60000",
      HERALD_LOG_LEVEL: "error",
    },
    { logLines },
  );
  const receiver = await startReceiver();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const send = (request: FuzzRequest) =>
    // A kept-alive connection the gateway closed after its last answer (it does after a 413,
    // the body unread) resets when reused: once, the request goes again on a new connection.
    sendRaw(gateway.url, request, agent).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET") throw error;
      return sendRaw(gateway.url, request, false);
    });
  const document = JSON.parse((await send(get("/api/v1/openapi.json"))).text) as OpenApiDocument;
  const key = async (role: string) =>
    (await gateway.api("POST", "/api/v1/keys", { role, name: `fuzz ${role}` })).body.key as string;
  return {
    gateway,
    receiver,
    document,
    errorLines: logLines,
    keys: { viewer: await key("viewer"), ingest: await key("ingest") },
    send,
    async close() {
      agent.destroy();
      await Promise.all([gateway.close(), receiver.close()]);
    },
  };
}

export const bearer = (key: string = ADMIN_TOKEN): [string, string] => ["authorization", `Bearer ${key}`];
export const JSON_TYPE: [string, string] = ["content-type", "application/json"];

/** A GET as the admin. */
export function get(path: string, kind = "valid"): FuzzRequest {
  return { method: "GET", path, headers: [bearer()], kind };
}

/** A request with a JSON body (a string or Buffer is sent as it is) as the admin. */
export function withJson(
  method: string,
  path: string,
  body: unknown,
  kind: string,
  declaredFields?: string[],
): FuzzRequest {
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  return { method, path, headers: [bearer(), JSON_TYPE], body: bytes, kind, declaredFields };
}

function sendRaw(base: string, request: FuzzRequest, agent: http.Agent | false): Promise<FuzzAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        agent,
        // A flat list: names may repeat; Node adds no header of its own then, not even Host.
        headers: [
          "host",
          url.host,
          ...request.headers.flat(),
          ...(request.body ? ["content-length", String(request.body.length)] : []),
        ] as unknown as http.OutgoingHttpHeaders,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        incoming.on("error", reject);
      },
    );
    outgoing.on("timeout", () =>
      outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: a stall`)),
    );
    outgoing.on("error", reject);
    outgoing.end(request.body);
  });
}
