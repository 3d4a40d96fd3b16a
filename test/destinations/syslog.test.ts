import dgram from "node:dgram";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SendRequest } from "../../src/destinations/destination";
import { openSenders, type Senders } from "../../src/destinations/registry";
import {
  fitDatagram,
  frameMessage,
  parseSyslogUrl,
  type SyslogFraming,
} from "../../src/destinations/syslog/framing";
import { DEFAULT_UDP_MAX_MESSAGE_BYTES } from "../../src/destinations/syslog/sender";
import type { TlsSettings } from "../../src/destinations/tls";
import { generateTestCerts, type TestCerts } from "../support/certs";
import {
  type ParsedMessage,
  type SyslogNg,
  type SyslogNgListener,
  startSyslogNg,
} from "../support/syslog-ng";

/** RFC 5424 §6.3.3: inside a PARAM-VALUE, `"`, `\` and `]` are escaped with a backslash. */
const sdEscape = (value: string) => value.replace(/["\\\]]/g, "\\$&");

/** Values that break naive syslog handling: quotes, backslashes, brackets, pipes, non-ASCII. */
const SD = { k: 'v"q]', path: "C:\\Temp\\x = y | z", who: "Zoë 東京 🚀" };
const TEXT = 'blocked | \\ = ] " café 東京 🚀';

function rfc5424(msgid: string, text = TEXT): string {
  const params = Object.entries(SD)
    .map(([name, value]) => `${name}="${sdEscape(value)}"`)
    .join(" ");
  return `<134>1 2026-02-20T10:30:00.000Z host app 4242 ${msgid} [herald@32473 ${params}] ${text}`;
}

/** What syslog-ng must have parsed from `rfc5424(msgid, text)`, field by field. */
function expectParsed(parsed: ParsedMessage, msgid: string, text = TEXT) {
  expect(parsed).toMatchObject({
    HOST: "host",
    PROGRAM: "app",
    PID: "4242",
    MSGID: msgid,
    LEVEL_NUM: "6",
    FACILITY: "local0",
    MESSAGE: text,
    _SDATA: { "herald@32473": SD },
  });
  expect(parsed.ISODATE).toMatch(/^2026-02-20T10:30:00(\.000)?(Z|\+00:00)$/);
}

let sequence = 0;
/** A MSGID no other test uses, to find this test's message in syslog-ng's output. */
const uniqueMsgid = (label: string) => `${label}-${process.pid}-${++sequence}`;

interface SyslogSettings {
  tls: TlsSettings | null;
  syslog: {
    framing: SyslogFraming;
    max_message_bytes: number;
    rfc: "5424" | "3164";
    envelope: Record<string, unknown>;
  } | null;
}
type SyslogRequest = SendRequest<SyslogSettings>;

const sendVia = (senders: Senders, req: SyslogRequest) =>
  senders.forKind("syslog").send(req as unknown as SendRequest);

/** The syslog settings block with its defaults, `framing` and `max_message_bytes` as given. */
const syslogSettings = (settings: { framing?: SyslogFraming; max_message_bytes?: number }) => ({
  framing: "octet-counting" as const,
  max_message_bytes: DEFAULT_UDP_MAX_MESSAGE_BYTES,
  rfc: "5424" as const,
  envelope: {},
  ...settings,
});

/** TLS settings as the settings schema gives them: `allow_invalid_certs` false unless set. */
const tls = (settings: Partial<TlsSettings>): TlsSettings => ({ allow_invalid_certs: false, ...settings });

const request = (url: string, body: string, settings: Partial<SyslogSettings> = {}): SyslogRequest => ({
  url,
  method: "POST",
  headers: {},
  body,
  eventCount: 1,
  timeoutMs: 5000,
  connectTimeoutMs: 2000,
  settings: { tls: null, syslog: null, ...settings },
});

describe("syslog framing", () => {
  it("octet-counting prefixes the length in bytes, not characters", () => {
    const { frame, warnings } = frameMessage("é\nx", "octet-counting");
    expect(frame.toString("utf8")).toBe("4 é\nx");
    expect(warnings).toEqual([]);
  });

  it("lf framing replaces line breaks inside a message and says so", () => {
    const { frame, warnings } = frameMessage("a\nb\r\nc\rd\n", "lf");
    expect(frame.toString("utf8")).toBe("a b c d\n");
    expect(warnings).toEqual([expect.stringContaining("replaced 3 line break(s)")]);
    expect(frameMessage("plain", "lf").warnings).toEqual([]);
  });

  it("cuts a datagram at a UTF-8 character boundary", () => {
    const { datagram, warnings } = fitDatagram("ab€€", 6); // € is 3 bytes: 2 + 3 fits, 2 + 6 does not
    expect(datagram.toString("utf8")).toBe("ab€");
    expect(warnings).toEqual([expect.stringContaining("cut from 8 to 5 bytes")]);
    expect(fitDatagram("short", 2048).warnings).toEqual([]);
  });

  it("reads host and default port from syslog URLs", () => {
    expect(parseSyslogUrl("udp://example.org")).toEqual({ protocol: "udp:", host: "example.org", port: 514 });
    expect(parseSyslogUrl("tcp://[::1]")).toEqual({ protocol: "tcp:", host: "::1", port: 514 });
    expect(parseSyslogUrl("tls://logs.example.org")).toMatchObject({ port: 6514 });
    expect(parseSyslogUrl("tls://logs.example.org:1514")).toMatchObject({ port: 1514 });
  });
});

describe("syslog destination against syslog-ng", () => {
  let certs: TestCerts;
  let syslogNg: SyslogNg;
  let senders: Senders;
  const url = (scheme: string, listener: SyslogNgListener, host = "127.0.0.1") =>
    `${scheme}://${host}:${syslogNg.ports[listener]}`;
  const send = (req: SyslogRequest) => sendVia(senders, req);

  beforeAll(async () => {
    certs = await generateTestCerts();
    syslogNg = await startSyslogNg(certs);
    senders = openSenders({ reconnectBackoff: { initialMs: 100, maxMs: 400 } });
  });

  afterAll(async () => {
    await senders?.closeAll();
    await syslogNg?.cleanup();
    await certs?.cleanup();
  });

  it("UDP: one message per datagram, parsed field by field", async () => {
    const msgid = uniqueMsgid("udp");
    const outcome = await send(request(url("udp", "udp"), rfc5424(msgid)));
    expect(outcome).toMatchObject({ success: true, error: null, warnings: [] });
    expectParsed(await syslogNg.waitForMessage("udp", (m) => m.MSGID === msgid), msgid);
  });

  it("UDP: a message over max_message_bytes is cut at a UTF-8 boundary, with a warning", async () => {
    const msgid = uniqueMsgid("udp-cut");
    const full = rfc5424(msgid, "€€€€€€€€€€");
    // Cut in the middle of the fourth euro sign (3 bytes each).
    const maxMessageBytes = Buffer.byteLength(rfc5424(msgid, "")) + 3 * 3 + 1;
    const outcome = await send(
      request(url("udp", "udp"), full, { syslog: syslogSettings({ max_message_bytes: maxMessageBytes }) }),
    );
    expect(outcome.success).toBe(true);
    expect(outcome.warnings).toEqual([
      expect.stringContaining(`cut from ${Buffer.byteLength(full)} to ${maxMessageBytes - 1} bytes`),
    ]);
    expectParsed(await syslogNg.waitForMessage("udp", (m) => m.MSGID === msgid), msgid, "€€€");
  });

  it("UDP: rejects a max_message_bytes no datagram can carry, permanently", async () => {
    const outcome = await send(
      request(url("udp", "udp"), rfc5424("x"), { syslog: syslogSettings({ max_message_bytes: 70_000 }) }),
    );
    expect(outcome).toMatchObject({ success: false, retryable: false });
    expect(outcome.error).toContain("65507");
  });

  it("UDP: an ICMP port unreachable fails the next send, retryably", async () => {
    const closedPort = await unusedUdpPort();
    const target = `udp://127.0.0.1:${closedPort}`;
    expect((await send(request(target, rfc5424("first")))).success).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const outcome = await send(request(target, rfc5424("second")));
    expect(outcome).toMatchObject({ success: false, retryable: true });
    expect(outcome.error).toContain("ECONNREFUSED");
  });

  it("TCP: octet-counting keeps a newline inside the message", async () => {
    const msgid = uniqueMsgid("tcp");
    const text = `${TEXT}\nsecond line`;
    const outcome = await send(request(url("tcp", "tcp"), rfc5424(msgid, text)));
    expect(outcome).toMatchObject({ success: true, warnings: [] });
    expectParsed(await syslogNg.waitForMessage("tcp", (m) => m.MSGID === msgid), msgid, text);
  });

  it("TCP: many messages share one connection and arrive whole", async () => {
    const msgids = Array.from({ length: 20 }, () => uniqueMsgid("tcp-many"));
    const outcomes = await Promise.all(
      msgids.map((msgid) => send(request(url("tcp", "tcp"), rfc5424(msgid)))),
    );
    expect(outcomes.every((outcome) => outcome.success)).toBe(true);
    for (const msgid of msgids) {
      expectParsed(await syslogNg.waitForMessage("tcp", (m) => m.MSGID === msgid), msgid);
    }
  });

  it("TCP: lf framing for receivers that want lines; a line break inside becomes a space", async () => {
    const msgid = uniqueMsgid("lf");
    const lf = { syslog: syslogSettings({ framing: "lf" }) };
    const outcome = await send(request(url("tcp", "tcpLf"), rfc5424(msgid, "one\ntwo"), lf));
    expect(outcome.success).toBe(true);
    expect(outcome.warnings).toEqual([expect.stringContaining("line break")]);
    expectParsed(await syslogNg.waitForMessage("tcpLf", (m) => m.MSGID === msgid), msgid, "one two");

    const next = uniqueMsgid("lf");
    expect((await send(request(url("tcp", "tcpLf"), rfc5424(next), lf))).success).toBe(true);
    expectParsed(await syslogNg.waitForMessage("tcpLf", (m) => m.MSGID === next), next);
  });

  it("TLS: verifies the server against the CA in tls.ca", async () => {
    const msgid = uniqueMsgid("tls");
    const outcome = await send(
      request(url("tls", "tls"), rfc5424(msgid), { tls: tls({ ca: certs.ca.pem }) }),
    );
    expect(outcome).toMatchObject({ success: true, error: null });
    expectParsed(await syslogNg.waitForMessage("tls", (m) => m.MSGID === msgid), msgid);
  });

  it("TLS: checks the certificate against the host name, or tls.servername", async () => {
    const byName = await send(
      request(url("tls", "tls", "localhost"), rfc5424(uniqueMsgid("tls-name")), {
        tls: tls({ ca: certs.ca.pem }),
      }),
    );
    expect(byName.success).toBe(true);

    const wrongName = await send(
      request(url("tls", "tls"), rfc5424("x"), {
        tls: tls({ ca: certs.ca.pem, servername: "wrong.example" }),
      }),
    );
    expect(wrongName).toMatchObject({ success: false, retryable: false });
    expect(wrongName.error).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("TLS: a server certificate from another CA is a permanent failure", async () => {
    const outcome = await send(
      request(url("tls", "tls"), rfc5424("x"), { tls: tls({ ca: certs.otherCa.pem }) }),
    );
    expect(outcome).toMatchObject({ success: false, retryable: false });
    expect(outcome.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
  });

  it("TLS: allow_invalid_certs accepts a server it cannot verify", async () => {
    const msgid = uniqueMsgid("tls-insecure");
    const outcome = await send(
      request(url("tls", "tls"), rfc5424(msgid), {
        tls: tls({ ca: certs.otherCa.pem, allow_invalid_certs: true }),
      }),
    );
    expect(outcome.success).toBe(true);
    expectParsed(await syslogNg.waitForMessage("tls", (m) => m.MSGID === msgid), msgid);
  });

  it("TLS: mutual TLS with a client certificate; without one the server's refusal is permanent", async () => {
    const msgid = uniqueMsgid("mtls");
    const withCert = await send(
      request(url("tls", "tlsClientCert"), rfc5424(msgid), {
        tls: tls({ ca: certs.ca.pem, cert: certs.client.cert.pem, key: certs.client.key.pem }),
      }),
    );
    expect(withCert).toMatchObject({ success: true, error: null });
    expectParsed(await syslogNg.waitForMessage("tlsClientCert", (m) => m.MSGID === msgid), msgid);

    const refusedMsgid = uniqueMsgid("mtls-refused");
    const withoutCert = await send(
      request(url("tls", "tlsClientCert"), rfc5424(refusedMsgid), { tls: tls({ ca: certs.ca.pem }) }),
    );
    expect(withoutCert).toMatchObject({ success: false, retryable: false });
    expect(withoutCert.error).toContain("CERTIFICATE_REQUIRED");
    expect((await syslogNg.messages("tlsClientCert")).some((m) => m.MSGID === refusedMsgid)).toBe(false);
  });

  it("egress: denied addresses fail permanently before any connection, named with their rule", async () => {
    const metadata = await send(request("udp://169.254.169.254:514", rfc5424("x")));
    expect(metadata).toMatchObject({ success: false, retryable: false });
    expect(metadata.error).toContain("169.254.169.254 is in 169.254.0.0/16");

    const mapped = await send(request("tls://[::ffff:169.254.169.254]:6514", rfc5424("x")));
    expect(mapped).toMatchObject({ success: false, retryable: false });
    expect(mapped.error).toContain("169.254.0.0/16");

    const denyLoopback = openSenders({ egress: { deny: ["127.0.0.0/8"] } });
    try {
      const byName = await sendVia(denyLoopback, request(url("tcp", "tcp", "localhost"), rfc5424("x")));
      expect(byName).toMatchObject({ success: false, retryable: false });
      expect(byName.error).toContain(
        "127.0.0.1 is in 127.0.0.0/8 (configured deny rule) (resolved from localhost)",
      );
    } finally {
      await denyLoopback.closeAll();
    }
  });

  it("reconnects after the receiver restarts: refused while down (retryable, with backoff), delivered after", async () => {
    const target = url("tcp", "tcp");
    expect((await send(request(target, rfc5424(uniqueMsgid("before"))))).success).toBe(true);

    await syslogNg.stop();
    // Give the closed connection (syslog-ng's FIN) a moment to be noticed, as it would be between sends.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const whileDown = await send(request(target, rfc5424("x")));
    expect(whileDown).toMatchObject({ success: false, retryable: true });
    expect(whileDown.error).toContain("ECONNREFUSED");
    const duringBackoff = await send(request(target, rfc5424("x")));
    expect(duringBackoff).toMatchObject({ success: false, retryable: true });
    expect(duringBackoff.error).toContain("not reconnecting for another");

    await syslogNg.start();
    const msgid = uniqueMsgid("after");
    const outcome = await eventually(() => send(request(target, rfc5424(msgid))));
    expect(outcome.success).toBe(true);
    expectParsed(await syslogNg.waitForMessage("tcp", (m) => m.MSGID === msgid), msgid);
  });
});

describe("syslog destination: broken connections", () => {
  it("a connection that breaks with messages still being written fails them retryably; the next send reconnects", async () => {
    const connections: net.Socket[] = [];
    // The receiver reads nothing, so writes pile up behind a large one until the connection breaks.
    const server = net.createServer({ pauseOnConnect: true }, (socket) => connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    const senders = openSenders();
    const send = (body: string) => sendVia(senders, request(`tcp://127.0.0.1:${port}`, body));
    try {
      expect((await send(rfc5424("small"))).success).toBe(true);
      // Whether the large write itself fails depends on how much the kernel had taken (under gVisor
      // a blocked write even completes once the peer resets); the one queued behind it cannot succeed.
      const large = send(rfc5424("large", "x".repeat(16 * 1024 * 1024)));
      const queued = send(rfc5424("queued"));
      await new Promise((resolve) => setTimeout(resolve, 200));
      connections[0]?.resetAndDestroy();
      const [, broken] = await Promise.all([large, queued]);
      expect(broken).toMatchObject({ success: false, retryable: true });
      expect(broken.error).toMatch(/ECONNRESET|EPIPE/);

      const after = await send(rfc5424("after"));
      expect(after.success).toBe(true);
      expect(connections).toHaveLength(2);
    } finally {
      await senders.closeAll();
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/** Retries `attempt` while it fails (syslog-ng may take a moment to listen, the backoff to pass). */
async function eventually<T extends { success: boolean }>(
  attempt: () => Promise<T>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result.success || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A UDP port nothing listens on: bound, read, released. */
async function unusedUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}
