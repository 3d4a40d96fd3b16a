import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getWebhook } from "../../src/store/webhooks";
import { storeKinds } from "../support/databases";
import { startTestGateway, type TestGateway } from "../support/gateway";

describe.each(storeKinds())("destinations in the webhook API on %s", (kind) => {
  let gateway: TestGateway;
  let viewerKey: string;
  beforeAll(async () => {
    gateway = await startTestGateway(kind);
    viewerKey = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "soc" })).body.key;
  });
  afterAll(() => gateway.close());

  const create = (fields: Record<string, unknown>) =>
    gateway.api("POST", "/api/v1/webhooks", { name: "hook", url: "https://siem.example/hook", ...fields });
  const issuesOf = (body: { issues: { path: string; message: string }[] }) =>
    Object.fromEntries(body.issues.map((issue) => [issue.path, issue.message]));

  it("lists every destination with its schemes, its settings as JSON Schema and its secrets", async () => {
    const { status, body } = await gateway.api("GET", "/api/v1/destinations", undefined, viewerKey);
    expect(status).toBe(200);
    const byKind = Object.fromEntries(body.data.map((destination: any) => [destination.kind, destination]));
    expect(Object.keys(byKind)).toEqual(expect.arrayContaining(["http", "splunk_hec", "syslog"]));
    expect(byKind.syslog).toMatchObject({
      schemes: ["udp", "tcp", "tls"],
      secret_settings: ["tls.key"],
      max_events_per_request: 1,
    });
    expect(byKind.http.secret_settings).toEqual([
      "auth.password",
      "auth.token",
      "auth.next.password",
      "auth.next.token",
      "tls.key",
    ]);
    expect(byKind.splunk_hec.default_for_formats).toEqual(["splunk_hec"]);
    const hec = byKind.splunk_hec.settings_schema;
    expect(hec.type).toBe("object");
    expect(Object.keys(hec.properties)).toEqual(["auth", "tls", "splunk_hec"]);
    expect(hec.additionalProperties).toBe(false);
    // No one channel offered to every webhook: each gets its own when saved.
    const channel = hec.properties.splunk_hec.anyOf[0].properties.channel;
    expect(channel).toMatchObject({ type: "string", format: "uuid" });
    expect(channel).not.toHaveProperty("default");
  });

  it("picks the destination from the URL and the format unless one is named", async () => {
    const kinds = async (fields: Record<string, unknown>) => (await create(fields)).body.destination.kind;
    expect(await kinds({})).toBe("http");
    expect(await kinds({ format: "splunk_hec" })).toBe("splunk_hec");
    expect(await kinds({ format: "cef", url: "udp://qradar.example:514" })).toBe("syslog");
    expect(await kinds({ destination: { kind: "splunk_hec" } })).toBe("splunk_hec");
  });

  it("takes settings in `destination` or, as before, at the top level, and answers both", async () => {
    const { status, body } = await create({
      format: "splunk_hec",
      destination: { kind: "splunk_hec", splunk_hec: { ack: true } },
      auth: { type: "splunk", token: "hec-token" },
    });
    expect(status).toBe(201);
    expect(body.destination).toEqual({
      kind: "splunk_hec",
      auth: { type: "splunk" },
      tls: null,
      splunk_hec: { ack: true, channel: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    expect(body.auth).toEqual({ type: "splunk" });
    expect(body.splunk_hec).toEqual(body.destination.splunk_hec);
    expect(JSON.stringify(body)).not.toContain("hec-token");
  });

  it("names the field and the reason for a bad setting, where the client wrote it", async () => {
    const nested = await create({ destination: { kind: "splunk_hec", splunk_hec: { ack: "yes" } } });
    expect(nested.status).toBe(422);
    expect(issuesOf(nested.body)).toHaveProperty(["destination.splunk_hec.ack"]);
    const topLevel = await create({ auth: { type: "bearer", token: "has space" } });
    expect(topLevel.status).toBe(422);
    expect(issuesOf(topLevel.body)["auth.token"]).toMatch(/visible ASCII/);
    const unknownKind = await create({ destination: { kind: "ftp" } });
    expect(issuesOf(unknownKind.body)["destination.kind"]).toMatch(/must be one of: http, splunk_hec/);
    const wrongScheme = await create({ url: "udp://siem.example:514", destination: { kind: "http" } });
    expect(issuesOf(wrongScheme.body).url).toBe("a http destination takes http, https URLs, not udp");
    const notASetting = await create({
      url: "udp://siem.example:514",
      format: "cef",
      auth: { type: "bearer", token: "t" },
    });
    expect(issuesOf(notASetting.body).auth).toBe("not a setting of a syslog destination");
    const stray = await create({ destination: { kind: "http", colour: "red" } });
    expect(issuesOf(stray.body)["destination.colour"]).toBe("not a setting of a http destination");
    const envelope = await create({
      url: "udp://siem.example:514",
      format: "cef",
      syslog: { envelope: { facility: "nowhere" } },
    });
    expect(issuesOf(envelope.body)["syslog.envelope.facility"]).toMatch(/facility name/);
  });

  it("lets a default destination follow a new URL, and keeps one chosen on purpose", async () => {
    const { body: json } = await create({ format: "cef", auth: { type: "bearer", token: "t0k" } });
    const moved = await gateway.api("PUT", `/api/v1/webhooks/${json.id}`, { url: "tcp://siem.example:514" });
    expect(moved.status).toBe(200);
    expect(moved.body.destination).toEqual({ kind: "syslog", tls: null, syslog: null });

    const { body: chosen } = await create({ destination: { kind: "splunk_hec" } });
    const renamed = await gateway.api("PUT", `/api/v1/webhooks/${chosen.id}`, { format: "cef" });
    expect(renamed.body.destination.kind).toBe("splunk_hec");
  });

  it("keeps secret settings write-only, and kept when a webhook is sent back as read", async () => {
    const { body: created } = await create({
      destination: { kind: "http", auth: { type: "basic", username: "soc", password: "pa55word" } },
    });
    expect(created.destination.auth).toEqual({ type: "basic", username: "soc" });
    for (const key of [undefined, viewerKey]) {
      const read = await gateway.api("GET", `/api/v1/webhooks/${created.id}`, undefined, key);
      expect(JSON.stringify(read.body)).not.toContain("pa55word");
    }
    const { body: read } = await gateway.api("GET", `/api/v1/webhooks/${created.id}`);
    const saved = await gateway.api("PUT", `/api/v1/webhooks/${created.id}`, { ...read, name: "renamed" });
    expect(saved.status).toBe(200);
    const row = await getWebhook(gateway.store.db, created.id);
    expect(row?.destination.auth).toEqual({ type: "basic", username: "soc", password: "pa55word" });
    const other = await gateway.api("PUT", `/api/v1/webhooks/${created.id}`, {
      destination: { kind: "http", auth: { type: "bearer", token: "new-token" } },
    });
    expect(other.status).toBe(200);
    const changed = await getWebhook(gateway.store.db, created.id);
    expect(changed?.destination.auth).toEqual({ type: "bearer", token: "new-token" });
  });

  it("takes an edit under destination in a webhook sent back as read, and refuses two different ones", async () => {
    const { body: created } = await create({ auth: { type: "bearer", token: "T1" } });
    const stored = async () => (await getWebhook(gateway.store.db, created.id))?.destination;
    const read = async () => (await gateway.api("GET", `/api/v1/webhooks/${created.id}`)).body;
    const put = (body: unknown) => gateway.api("PUT", `/api/v1/webhooks/${created.id}`, body);

    const first = await read();
    expect(
      (await put({ ...first, destination: { ...first.destination, auth: { type: "bearer", token: "T2" } } }))
        .status,
    ).toBe(200);
    expect((await stored())?.auth).toEqual({ type: "bearer", token: "T2" });
    const second = await read();
    expect((await put({ ...second, destination: { ...second.destination, auth: null } })).status).toBe(200);
    expect((await stored())?.auth).toBeNull();

    const both = await put({
      auth: { type: "bearer", token: "A" },
      destination: { kind: "http", auth: { type: "bearer", token: "B" } },
    });
    expect(both.status).toBe(422);
    expect(issuesOf(both.body).auth).toMatch(/differently, at destination.auth/);
    const posted = await create({
      auth: { type: "bearer", token: "A" },
      destination: { auth: { type: "bearer", token: "B" } },
    });
    expect(issuesOf(posted.body).auth).toMatch(/differently, at destination.auth/);
  });

  it("keeps the kind and the settings a partial destination leaves out", async () => {
    const { body: hec } = await create({
      format: "splunk_hec",
      auth: { type: "splunk", token: "hec" },
      splunk_hec: { ack: true },
    });
    const changed = await gateway.api("PUT", `/api/v1/webhooks/${hec.id}`, {
      destination: { tls: { allow_invalid_certs: true } },
    });
    expect(changed.body.destination).toMatchObject({
      kind: "splunk_hec",
      auth: { type: "splunk" },
      splunk_hec: { ack: true },
      tls: { allow_invalid_certs: true },
    });
    const { body: plain } = await create({ auth: { type: "bearer", token: "kept" } });
    const toHec = await gateway.api("PUT", `/api/v1/webhooks/${plain.id}`, {
      destination: { kind: "splunk_hec" },
    });
    expect(toHec.body.destination).toMatchObject({ kind: "splunk_hec", auth: { type: "bearer" } });
    expect((await getWebhook(gateway.store.db, plain.id))?.destination.auth).toEqual({
      type: "bearer",
      token: "kept",
    });
  });

  it("sends a json webhook with HEC settings to Splunk HEC, and follows a URL changed in a body sent back", async () => {
    const { body: json } = await create({ splunk_hec: { ack: true } });
    expect(json.destination.kind).toBe("splunk_hec");
    const { body: cef } = await create({ format: "cef" });
    const moved = await gateway.api("PUT", `/api/v1/webhooks/${cef.id}`, {
      ...cef,
      url: "tcp://siem.example:514",
    });
    expect(moved.status).toBe(200);
    expect(moved.body.destination.kind).toBe("syslog");
  });
});
