import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestCerts, type TestCerts } from "../support/certs";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { parseCef } from "../support/parsers/cef";
import { parseLeef } from "../support/parsers/leef";
import { type SyslogNg, startSyslogNg } from "../support/syslog-ng";

/** An event full of what breaks naive SIEM encodings: separators, escapes, newlines, non-ASCII. */
const HOSTILE = {
  type: "brute_force",
  source: "website-defender",
  severity: "critical",
  time: "2026-02-20T10:31:12.250Z",
  title: 'Login storm | on "admin" \\ = ] café 東京 🚀',
  data: {
    client_ip: "203.0.113.7",
    reason: 'a=b | c\\d ] "quoted"\nsecond line\r',
    path: "/admin/login?x=1&y=[2]",
    attempts: 52,
    who: "Zoë",
  },
};

describe("syslog destinations, end to end through a real syslog-ng", () => {
  let certs: TestCerts;
  let syslogNg: SyslogNg;
  let gateway: TestGateway;

  beforeAll(async () => {
    certs = await generateTestCerts();
    syslogNg = await startSyslogNg(certs);
    gateway = await startTestGateway("pglite");
  });
  afterAll(async () => {
    await gateway?.close();
    await syslogNg?.cleanup();
    await certs?.cleanup();
  });

  async function subscribe(fields: Record<string, unknown>) {
    const { status, body } = await gateway.api("POST", "/api/v1/webhooks", {
      name: "siem",
      event_types: ["brute_force"],
      ...fields,
    });
    expect(status, JSON.stringify(body)).toBe(201);
    return body.id as string;
  }

  async function post(id: string) {
    const { status } = await gateway.api("POST", "/api/v1/events", { ...HOSTILE, id });
    expect(status).toBe(202);
  }

  async function deliveredOnce(webhookId: string) {
    return eventually(async () => {
      const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhookId}/deliveries`);
      return body.data.find(
        (delivery: any) => delivery.status !== "pending" && delivery.status !== "retrying",
      );
    });
  }

  it("sends the syslog format over TCP: header, structured data and MSG arrive exactly", async () => {
    const webhook = await subscribe({ url: `tcp://127.0.0.1:${syslogNg.ports.tcp}`, format: "syslog" });
    await post("syslog-tcp");
    const parsed = await syslogNg.waitForMessage(
      "tcp",
      (m) => m._SDATA?.["herald@32473"]?.id === "syslog-tcp",
    );
    expect(parsed).toMatchObject({
      HOST: "herald",
      PROGRAM: "herald",
      MSGID: "brute_force",
      LEVEL_NUM: "2",
      FACILITY: "local0",
      MESSAGE: HOSTILE.title,
    });
    // syslog-ng's format-json nests the dotted SD-PARAM names (data.client_ip) into objects.
    expect(parsed._SDATA?.["herald@32473"]).toMatchObject({
      type: "brute_force",
      source: "website-defender",
      severity: "critical",
      data: {
        client_ip: "203.0.113.7",
        reason: HOSTILE.data.reason,
        path: HOSTILE.data.path,
        attempts: "52",
        who: "Zoë",
      },
    });
    expect(await deliveredOnce(webhook)).toMatchObject({ status: "delivered", success: true });
  });

  it("sends CEF over UDP as the MSG of an RFC 5424 message, every value recoverable", async () => {
    await subscribe({
      url: `udp://127.0.0.1:${syslogNg.ports.udp}`,
      format: "cef",
      options: { device_vendor: "ACME|Sec", device_product: "Herald" },
    });
    await post("cef-udp");
    const parsed = await syslogNg.waitForMessage("udp", (m) => String(m.MESSAGE).startsWith("CEF:0|"));
    expect(parsed).toMatchObject({ HOST: "herald", PROGRAM: "herald", MSGID: "brute_force", LEVEL_NUM: "2" });
    const cef = parseCef(String(parsed.MESSAGE));
    expect(cef).toMatchObject({
      vendor: "ACME|Sec",
      product: "Herald",
      classId: "brute_force",
      name: HOSTILE.title,
    });
    expect(cef.extension.src).toBe("203.0.113.7");
    expect(cef.extension.externalId).toBe("cef-udp");
    expect(Object.values(cef.extension)).toContain(HOSTILE.data.reason);
    expect(cef.extension.rt).toBe(String(Date.parse(HOSTILE.time)));
  });

  it("sends LEEF over TLS, verified against the operator's CA, with RFC 3164 wrapping on request", async () => {
    await subscribe({
      url: `tls://127.0.0.1:${syslogNg.ports.tls}`,
      format: "leef",
      tls: { ca: certs.ca.pem },
      syslog: { rfc: "3164", envelope: { app_name: "herald-leef" } },
    });
    await post("leef-tls");
    const parsed = await syslogNg.waitForMessage("tls", (m) => String(m.MESSAGE).includes("LEEF:2.0|"));
    expect(parsed.PROGRAM).toBe("herald-leef");
    const leef = parseLeef(String(parsed.MESSAGE));
    expect(leef).toMatchObject({ vendor: "Herald", eventId: "brute_force", delimiter: "\t" });
    expect(leef.attributes).toMatchObject({
      src: "203.0.113.7",
      sev: "10",
      devTime: String(Date.parse(HOSTILE.time)),
    });
  });

  it("fails a TLS destination whose certificate the CA does not vouch for, permanently", async () => {
    const webhook = await subscribe({
      url: `tls://127.0.0.1:${syslogNg.ports.tls}`,
      format: "syslog",
      tls: { ca: certs.otherCa.pem },
      retry_count: 5,
    });
    await post("tls-untrusted");
    const delivery = await deliveredOnce(webhook);
    expect(delivery).toMatchObject({ status: "dead", attempt: 1 });
    expect(delivery.error).toMatch(/certificate|self.signed|verify/i);
  });

  it("reaches a listener requiring a client certificate with mutual TLS", async () => {
    await subscribe({
      url: `tls://127.0.0.1:${syslogNg.ports.tlsClientCert}`,
      format: "syslog",
      tls: { ca: certs.ca.pem, cert: certs.client.cert.pem, key: certs.client.key.pem },
    });
    await post("mtls");
    const parsed = await syslogNg.waitForMessage(
      "tlsClientCert",
      (m) => m._SDATA?.["herald@32473"]?.id === "mtls",
    );
    expect(parsed.MESSAGE).toBe(HOSTILE.title);
  });

  it("previews exactly what a syslog destination will be sent", async () => {
    const webhook = await subscribe({ url: `udp://127.0.0.1:${syslogNg.ports.udp}`, format: "cef" });
    const { body } = await gateway.api("POST", `/api/v1/webhooks/${webhook}/preview`, {
      ...HOSTILE,
      id: "p",
    });
    expect(body.content_type).toBe("text/plain");
    expect(body.body).toMatch(/^<130>1 2026-02-20T10:31:12.250Z herald herald - brute_force - CEF:0\|/);
  });
});
