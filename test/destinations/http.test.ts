import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SendRequest } from "../../src/destinations/destination";
import type { HttpSettingsBase } from "../../src/destinations/http/sender";
import { openSenders, type Senders } from "../../src/destinations/registry";
import type { TlsSettings } from "../../src/destinations/tls";
import { generateTestCerts, type TestCerts } from "../support/certs";
import {
  type Answer,
  type AnswerFunction,
  type Receiver,
  type ReceiverOptions,
  startReceiver,
} from "../support/receiver";

type HttpRequest = SendRequest<HttpSettingsBase>;

const request = (
  url: string,
  extra: Partial<HttpRequest> = {},
  settings: Partial<HttpSettingsBase> = {},
): HttpRequest => ({
  url,
  method: "POST",
  headers: { "content-type": "application/json" },
  body: '{"event":"x"}',
  eventCount: 1,
  timeoutMs: 3000,
  connectTimeoutMs: 1000,
  ...extra,
  settings: { auth: null, tls: null, ...settings },
});

/** TLS settings as the settings schema gives them: `allow_invalid_certs` false unless set. */
const tls = (settings: Partial<TlsSettings>): TlsSettings => ({ allow_invalid_certs: false, ...settings });

let senders: Senders;
const sendVia = (via: Senders, req: HttpRequest, kind = "http") =>
  via.forKind(kind).send(req as unknown as SendRequest);
const send = (req: HttpRequest, kind = "http") => sendVia(senders, req, kind);
const receivers: Receiver[] = [];

async function receiver(answer: AnswerFunction, options: ReceiverOptions = {}): Promise<Receiver> {
  const started = await startReceiver(answer, options);
  receivers.push(started);
  return started;
}

beforeAll(() => {
  senders = openSenders();
});

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((started) => started.close()));
});

afterAll(async () => {
  await senders.closeAll();
});

describe("HTTP destination", () => {
  it("sends method, headers and body; 202 with an empty body is success", async () => {
    const target = await receiver(() => ({ status: 202 }));
    const outcome = await send(
      request(`${target.origin}/hook`, { method: "PUT", headers: { "x-herald": "1" }, body: "é" }),
    );
    expect(outcome).toMatchObject({ success: true, statusCode: 202, responseExcerpt: null, error: null });
    expect(target.requests[0]).toMatchObject({ method: "PUT", url: "/hook", body: "é" });
    expect(target.requests[0]?.headers["x-herald"]).toBe("1");
  });

  it.each([
    [
      { type: "basic", username: "herald", password: "pä:ss" },
      `Basic ${Buffer.from("herald:pä:ss").toString("base64")}`,
    ],
    [{ type: "bearer", token: "t0ken" }, "Bearer t0ken"],
    [{ type: "splunk", token: "hec-token" }, "Splunk hec-token"],
  ] as const)("auth %o sends Authorization: %s, replacing one among the headers", async (auth, expected) => {
    const target = await receiver(() => ({ status: 200 }));
    const outcome = await send(request(target.origin, { headers: { Authorization: "old" } }, { auth }));
    expect(outcome.success).toBe(true);
    expect(target.requests[0]?.headers.authorization).toBe(expected);
  });

  it("reads a Splunk-looking answer as plain HTTP: only the splunk_hec kind reads HEC codes, not splunk auth", async () => {
    const target = await receiver(() => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: '{"text":"Invalid token","code":4}',
    }));
    const outcome = await send(request(target.origin, {}, { auth: { type: "splunk", token: "hec-token" } }));
    expect(outcome).toMatchObject({ success: true, statusCode: 200, error: null });
    expect(target.requests[0]?.headers.authorization).toBe("Splunk hec-token");
  });

  it("without auth, sends no Authorization header", async () => {
    const target = await receiver(() => ({ status: 204 }));
    expect((await send(request(target.origin))).success).toBe(true);
    expect(target.requests[0]?.headers.authorization).toBeUndefined();
  });

  it.each([408, 429, 500, 502, 503])("HTTP %i is retryable, with Retry-After passed on", async (status) => {
    const target = await receiver(() => ({ status, headers: { "retry-after": "7" }, body: "slow down" }));
    const outcome = await send(request(target.origin));
    expect(outcome).toMatchObject({
      success: false,
      retryable: true,
      statusCode: status,
      retryAfterMs: 7000,
      responseExcerpt: "slow down",
    });
  });

  it.each([400, 401, 403, 404, 410, 413, 422])("HTTP %i is permanent", async (status) => {
    const target = await receiver(() => ({ status, body: "no" }));
    expect(await send(request(target.origin))).toMatchObject({
      success: false,
      retryable: false,
      statusCode: status,
    });
  });

  it("does not follow redirects, and names where it was sent", async () => {
    const target = await receiver(() => ({
      status: 301,
      headers: { location: "http://127.0.0.1:1/elsewhere" },
    }));
    const outcome = await send(request(target.origin));
    expect(outcome).toMatchObject({ success: false, retryable: false, statusCode: 301 });
    expect(outcome.error).toContain("Location: http://127.0.0.1:1/elsewhere");
    expect(target.requests).toHaveLength(1);
  });

  it("bounds the response excerpt", async () => {
    const target = await receiver(() => ({ status: 500, body: "é".repeat(5000) }));
    const outcome = await send(request(target.origin));
    expect(Buffer.byteLength(outcome.responseExcerpt ?? "")).toBeLessThanOrEqual(1024);
  });

  it("a receiver that does not answer in time is a retryable timeout", async () => {
    const target = await receiver(
      () => new Promise<Answer>((resolve) => setTimeout(() => resolve({ status: 200 }), 2000)),
    );
    const outcome = await send(request(target.origin, { timeoutMs: 300 }));
    expect(outcome).toMatchObject({ success: false, retryable: true, error: "timed out after 300 ms" });
  });

  it("an answer whose body never ends is cut: its status and first bytes kept, its connection dropped", async () => {
    const chunk = "x".repeat(16 * 1024);
    let connectionClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      connectionClosed = resolve;
    });
    const endless = createServer((_, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      const more = () => {
        while (!response.destroyed && response.write(chunk));
      };
      response.on("drain", more);
      response.socket?.on("close", connectionClosed);
      more();
    });
    await new Promise<void>((resolve) => endless.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = endless.address() as AddressInfo;
      const outcome = await send(request(`http://127.0.0.1:${port}/hook`, { timeoutMs: 10_000 }));
      expect(outcome).toMatchObject({ success: true, statusCode: 200 });
      expect(outcome.responseExcerpt).toMatch(/^x+$/);
      expect(outcome.durationMs).toBeLessThan(10_000);
      await closed;
    } finally {
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
  });

  it("a request out of time while it waits for a connection holds its place until it gets one, and is aborted unsent", async () => {
    const oneConnection = openSenders({ connectionsPerOrigin: 1 });
    try {
      const target = await receiver(() => new Promise<never>(() => {}));
      const [hung, queued] = await Promise.all([
        sendVia(oneConnection, request(target.origin, { timeoutMs: 400 })),
        sendVia(oneConnection, request(target.origin, { timeoutMs: 200 })),
      ]);
      expect(hung).toMatchObject({ success: false, retryable: true, error: "timed out after 400 ms" });
      expect(queued).toMatchObject({ success: false, retryable: true, error: "timed out after 200 ms" });
      // As undici's request() does: it fails once the hung request's connection is dropped, so
      // a receiver that hangs holds no more requests in the pool than the webhook's window.
      expect(queued.durationMs).toBeGreaterThanOrEqual(390);
      // The hung request's connection is dropped at its limit; the queued one, long out of time
      // when it gets the next connection, is aborted there unsent.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(target.requests).toHaveLength(1);
    } finally {
      await oneConnection.closeAll();
    }
  });

  it("a refused connection is retryable", async () => {
    const target = await receiver(() => ({ status: 200 }));
    await target.close();
    const outcome = await send(request(target.origin));
    expect(outcome).toMatchObject({ success: false, retryable: true });
    expect(outcome.error).toContain("ECONNREFUSED");
  });
});

describe("HTTPS destination", () => {
  let certs: TestCerts;
  beforeAll(async () => {
    certs = await generateTestCerts();
  });
  afterAll(async () => {
    await certs?.cleanup();
  });

  it("verifies the server against tls.ca, by IP or by name", async () => {
    const target = await receiver(() => ({ status: 200 }), { tls: { certs } });
    expect((await send(request(target.origin, {}, { tls: tls({ ca: certs.ca.pem }) }))).success).toBe(true);
    const byName = target.origin.replace("127.0.0.1", "localhost");
    expect((await send(request(byName, {}, { tls: tls({ ca: certs.ca.pem }) }))).success).toBe(true);
  });

  it("a server certificate it cannot verify is a permanent failure, unless allow_invalid_certs", async () => {
    const target = await receiver(() => ({ status: 200 }), { tls: { certs } });
    const unverified = await send(request(target.origin, {}, { tls: tls({ ca: certs.otherCa.pem }) }));
    expect(unverified).toMatchObject({ success: false, retryable: false });
    expect(unverified.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);

    const noCaAtAll = await send(request(target.origin));
    expect(noCaAtAll).toMatchObject({ success: false, retryable: false });

    const insecure = await send(request(target.origin, {}, { tls: tls({ allow_invalid_certs: true }) }));
    expect(insecure.success).toBe(true);
  });

  it("checks the certificate against tls.servername when given", async () => {
    const target = await receiver(() => ({ status: 200 }), { tls: { certs } });
    const byServername = await send(
      request(target.origin, {}, { tls: tls({ ca: certs.ca.pem, servername: "localhost" }) }),
    );
    expect(byServername.success).toBe(true);
    const wrong = await send(
      request(target.origin, {}, { tls: tls({ ca: certs.ca.pem, servername: "wrong.example" }) }),
    );
    expect(wrong).toMatchObject({ success: false, retryable: false });
    expect(wrong.error).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("mutual TLS: presents tls.cert and tls.key; without them the server's refusal is permanent", async () => {
    const target = await receiver(() => ({ status: 200 }), { tls: { certs, requireClientCert: true } });
    const withCert = await send(
      request(
        target.origin,
        {},
        { tls: tls({ ca: certs.ca.pem, cert: certs.client.cert.pem, key: certs.client.key.pem }) },
      ),
    );
    expect(withCert.success).toBe(true);
    expect(target.requests[0]?.clientCertCn).toBe("herald-test-client");

    const withoutCert = await send(request(target.origin, {}, { tls: tls({ ca: certs.ca.pem }) }));
    expect(withoutCert).toMatchObject({ success: false, retryable: false });
    expect(withoutCert.error).toContain("CERTIFICATE_REQUIRED");
    expect(target.requests).toHaveLength(1);
  });
});

describe("egress policy on HTTP", () => {
  it("denies cloud metadata addresses before connecting, naming the address and the rule", async () => {
    const metadata = await send(request("http://169.254.169.254/latest/meta-data/"));
    expect(metadata).toMatchObject({ success: false, retryable: false, statusCode: null });
    expect(metadata.error).toContain("169.254.169.254 is in 169.254.0.0/16 (built-in deny rule)");

    const mapped = await send(request("http://[::ffff:169.254.169.254]/"));
    expect(mapped).toMatchObject({ success: false, retryable: false });
    expect(mapped.error).toContain("169.254.0.0/16");
  });

  it("applies a configured deny rule: 127.0.0.2/32 is denied while 127.0.0.1 works", async () => {
    const policed = openSenders({ egress: { deny: ["127.0.0.2/32"] } });
    const target = await receiver(() => ({ status: 200 }));
    const { port } = new URL(target.origin);
    try {
      const denied = await sendVia(policed, request(`http://127.0.0.2:${port}/`));
      expect(denied).toMatchObject({ success: false, retryable: false });
      expect(denied.error).toContain("127.0.0.2 is in 127.0.0.2/32 (configured deny rule)");
      expect((await sendVia(policed, request(target.origin))).success).toBe(true);
    } finally {
      await policed.closeAll();
    }
  });

  it("checks the address a name resolves to", async () => {
    const policed = openSenders({ egress: { deny: ["127.0.0.0/8", "::1/128"] } });
    const target = await receiver(() => ({ status: 200 }));
    try {
      const outcome = await sendVia(policed, request(target.origin.replace("127.0.0.1", "localhost")));
      expect(outcome).toMatchObject({ success: false, retryable: false });
      expect(outcome.error).toContain("(resolved from localhost)");
      expect(target.requests).toHaveLength(0);
    } finally {
      await policed.closeAll();
    }
  });

  it("with an allow list, denies what is outside it", async () => {
    const policed = openSenders({ egress: { allow: ["10.0.0.0/8"] } });
    const target = await receiver(() => ({ status: 200 }));
    try {
      const outcome = await sendVia(policed, request(target.origin));
      expect(outcome).toMatchObject({ success: false, retryable: false });
      expect(outcome.error).toContain("127.0.0.1 is not in the allow list (10.0.0.0/8)");
    } finally {
      await policed.closeAll();
    }
  });
});
