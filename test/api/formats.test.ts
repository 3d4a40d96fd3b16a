import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORMATS } from "../../src/formats/registry";
import { ROWS } from "../formats/contract/rows";
import { storeKinds } from "../support/databases";
import { FIXTURES_DIR, rawFixture } from "../support/fixtures";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { parseCef } from "../support/parsers/cef";
import { type Receiver, startReceiver } from "../support/receiver";

/** Every registered format, in the registry's order. */
const FORMAT_NAMES = FORMATS.map((format) => format.name);

describe.each(storeKinds())("formats, previews and templates over the API on %s", (kind) => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let templatesDir: string;

  beforeAll(async () => {
    templatesDir = mkdtempSync(join(tmpdir(), "herald-templates-"));
    writeFileSync(join(templatesDir, "json.hbs"), '{"house_style": true, "what": {{json title}} }');
    gateway = await startTestGateway(kind, { HERALD_TEMPLATES_DIR: templatesDir });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await gateway.close();
    await receiver.close();
    rmSync(templatesDir, { recursive: true, force: true });
  });

  it("lists every format with its content type, options schema and default template", async () => {
    const { status, body } = await gateway.api("GET", "/api/v1/formats");
    expect(status).toBe(200);
    expect(body.data.map((format: any) => format.name)).toEqual(FORMAT_NAMES);
    for (const format of body.data) {
      expect(format).toMatchObject({
        content_type: expect.any(String),
        options_schema: expect.objectContaining({ type: "object" }),
        default_template: expect.any(String),
      });
    }
    const json = body.data.find((format: any) => format.name === "json");
    expect(json.default_template).toContain("house_style");
  });

  it("previews an unsaved definition in every format without sending anything", async () => {
    for (const format of FORMAT_NAMES) {
      const { status, body } = await gateway.api("POST", "/api/v1/preview", {
        webhook: { format, options: ROWS[format]?.options ?? {} },
        event: rawFixture("wallarm-hit-sqli"),
      });
      expect(status, `${format}: ${JSON.stringify(body)}`).toBe(200);
      expect(body).toMatchObject({ content_type: expect.any(String), body: expect.any(String) });
      expect(Array.isArray(body.warnings)).toBe(true);
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it("previews exactly the bytes a saved webhook then delivers", async () => {
    const { body: webhook } = await gateway.api("POST", "/api/v1/webhooks", {
      name: "arcsight",
      url: receiver.url,
      format: "cef",
      options: { device_vendor: "ACME" },
      event_types: ["critical_finding"],
    });
    const event = rawFixture("pentest-critical-finding");
    const preview = await gateway.api("POST", `/api/v1/webhooks/${webhook.id}/preview`, event);
    expect(preview.status).toBe(200);
    expect(parseCef(preview.body.body)).toMatchObject({ vendor: "ACME", classId: "critical_finding" });
    await gateway.api("POST", "/api/v1/events", event);
    const [delivered] = await receiver.waitFor(1);
    expect(delivered?.body).toBe(preview.body.body);
    expect(delivered?.headers["content-type"]).toBe(preview.body.content_type);
  });

  it("uses a default template from HERALD_TEMPLATES_DIR for every webhook without its own", async () => {
    const { body } = await gateway.api("POST", "/api/v1/preview", {
      webhook: {},
      event: { type: "hit", title: "x" },
    });
    expect(JSON.parse(body.body)).toEqual({ house_style: true, what: "x" });
  });

  it("names the field of a bad preview request", async () => {
    const { status, body } = await gateway.api("POST", "/api/v1/preview", {
      webhook: { format: "cef", options: { device_vendor: "x".repeat(100) } },
    });
    expect(status).toBe(422);
    expect(body.issues[0].path).toBe("webhook.options.device_vendor");
    const badEvent = await gateway.api("POST", "/api/v1/preview", {
      webhook: {},
      event: { type: "hit", time: "x" },
    });
    expect(badEvent.body.issues[0].path).toBe("event.time");
  });
});

describe("templates cannot reach prototypes, the process or the file system", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
  });
  afterAll(() => gateway.close());

  // Known Handlebars escape payloads (CVE-2019-19919 and its relatives), wrapped so that output is JSON.
  const PAYLOADS = [
    `{{#with "s" as |string|}}{{#with "e"}}{{#with split as |conslist|}}{{this.pop}}{{this.push (lookup string.sub "constructor")}}{{this.pop}}{{#with string.split as |codelist|}}{{this.pop}}{{this.push "return process.env.PATH;"}}{{this.pop}}{{#each conslist}}{{#with (string.sub.apply 0 codelist)}}{{this}}{{/with}}{{/each}}{{/with}}{{/with}}{{/with}}{{/with}}`,
    "{{constructor.constructor}}",
    "{{#with this.constructor}}{{name}}{{/with}}",
    '{{lookup (lookup this "constructor") "name"}}',
    "{{__proto__}}{{this.__proto__.constructor}}",
    '{{#with (lookup data "__proto__")}}{{constructor.name}}{{/with}}',
  ];

  it.each(PAYLOADS)("renders %s without reaching anything", async (payload) => {
    // The syslog format takes any text as its MSG, so the payload's output is seen as it is.
    const { status, body } = await gateway.api("POST", "/api/v1/preview", {
      webhook: { format: "syslog", template: payload },
      event: { type: "hit", data: { a: 1 } },
    });
    expect(status).toBe(200);
    const msg = body.body.slice(body.body.indexOf("] ") + 2);
    expect(msg).not.toContain(process.env.PATH ?? "/usr/bin");
    expect(msg).not.toMatch(/function|Object|native code/);
  });
});

describe("herald render", () => {
  const run = promisify(execFile);
  // Through tsx, as `npm run herald` runs it (the other CLI suites run the run's bundle).
  const herald = (args: string[]) =>
    run(process.execPath, ["--import", "tsx", "src/main.ts", "render", ...args], {
      cwd: join(import.meta.dirname, "../.."),
    });

  it("prints the payload of a format for an event file", async () => {
    const { stdout } = await herald([
      "--format",
      "cef",
      "--event",
      join(FIXTURES_DIR, "wallarm-hit-sqli.json"),
    ]);
    expect(parseCef(stdout.trim())).toMatchObject({
      classId: "hit",
      name: "SQL injection attempt on example.com",
    });
  });

  it("prints each message of a split payload on its own line", async () => {
    const { stdout } = await herald([
      "--format",
      "discord",
      "--options",
      '{"limit_policy":"split","max_fields":1}',
      "--event",
      join(FIXTURES_DIR, "wallarm-hit-sqli.json"),
    ]);
    const messages = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.at(-1).embeds[0].footer.text).toContain(`part ${messages.length} of ${messages.length}`);
  });

  it("uses a template file and options, and exits 1 naming the line and column of a broken template", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-render-"));
    try {
      writeFileSync(join(dir, "good.hbs"), '{"ip": {{json data.client_ip}}, "v": {{json options}} }');
      const event = join(FIXTURES_DIR, "website-defender-auto-ban.json");
      const { stdout } = await herald([
        "--format",
        "json",
        "--event",
        event,
        "--template",
        join(dir, "good.hbs"),
      ]);
      expect(JSON.parse(stdout)).toEqual({ ip: "192.168.1.100", v: {} });

      writeFileSync(join(dir, "bad.hbs"), '{\n  "ip": {{json data.client_ip}}}');
      const failed = await herald(["--event", event, "--template", join(dir, "bad.hbs")]).catch(
        (error) => error,
      );
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/template: .*line 2, column 30/s);

      const badOptions = await herald(["--format", "cef", "--event", event, "--options", '{"nope":1}']).catch(
        (error) => error,
      );
      expect(badOptions.code).toBe(1);
      expect(badOptions.stderr).toMatch(/options/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a broken template in HERALD_TEMPLATES_DIR", () => {
  it("stops the start with the file and the reason", async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-templates-"));
    try {
      writeFileSync(join(dir, "cef.hbs"), "CEF:0|{{#if}}");
      await expect(startTestGateway("pglite", { HERALD_TEMPLATES_DIR: dir })).rejects.toThrow(
        /HERALD_TEMPLATES_DIR: cef\.hbs: /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
