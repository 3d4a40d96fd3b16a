import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config";
import type { HeraldEvent } from "../../src/events/event";
import { renderBatch } from "../../src/formats/batch";
import {
  KEY_FIELD_MEANINGS,
  KEY_FIELDS,
  type KeyFieldTable,
  keyFieldTable,
  valueAtPath,
} from "../../src/formats/key-fields";
import { FORMATS } from "../../src/formats/registry";
import { WELL_KNOWN_FIELDS } from "../../src/formats/siem";
import { renderCommand } from "../../src/render-command";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { engine, fixtureWith, NOW } from "../support/render";
import { ROUTING_KEY } from "./contract/pagerduty";
import { cardFacts } from "./contract/teams";

/** The first field each human format shows for `event`, rendered with the key fields `table`. */
function firstShown(event: HeraldEvent, table?: KeyFieldTable): Record<string, string> {
  const render = (name: string, options: object = {}) => {
    const format = FORMATS.find((candidate) => candidate.name === name);
    if (!format) throw new Error(name);
    const template = engine.compile(engine.defaultSource(name));
    const parsed = (format.optionsSchema as { parse(value: unknown): never }).parse(options);
    return JSON.parse(renderBatch(format, [event], parsed, template, NOW, table).body);
  };
  const slack = render("slack");
  const teams = render("teams").attachments[0].content;
  const discord = render("discord").embeds[0];
  const pagerduty = render("pagerduty", { routing_key: ROUTING_KEY }).payload.custom_details;
  const [fact] = cardFacts(teams);
  return {
    slack: slack.blocks[1].fields[0].text,
    teams: `${fact?.title}: ${fact?.value}`,
    discord: `${discord.fields[0].name}: ${discord.fields[0].value}`,
    pagerduty: Object.keys(pagerduty)[0] as string,
  };
}

const withMySrc = fixtureWith("website-defender-auto-ban", {
  data: { reason: "policy", my_src: "10.1.2.3", client_ip: "192.168.1.100" },
});

describe("the key fields table", () => {
  it("gives every meaning a label and names, and no name two meanings", () => {
    expect(KEY_FIELD_MEANINGS).toEqual(KEY_FIELDS.map((field) => field.meaning));
    const names = KEY_FIELDS.flatMap((field) => field.names);
    expect(new Set(names).size).toBe(names.length);
    for (const field of KEY_FIELDS) {
      expect(field.label).toMatch(/^[A-Z][A-Za-z ]+$|^URL$|^Source IP$|^Destination IP$/);
      expect(field.names.length).toBeGreaterThan(0);
    }
  });

  it("knows the source IP of every producer Herald serves", () => {
    for (const name of ["remote_addr4", "client_ip", "remote_ip", "source.ip", "src_ip"]) {
      expect(KEY_FIELDS[0]?.names).toContain(name);
    }
  });

  it("is where the SIEM formats' well-known fields come from, their old names first in their old order", () => {
    expect(WELL_KNOWN_FIELDS.sourceAddress.slice(0, 5)).toEqual([
      "client_ip",
      "remote_ip",
      "remote_addr4",
      "src_ip",
      "source_ip",
    ]);
    expect(WELL_KNOWN_FIELDS.userName.slice(0, 3)).toEqual(["account", "username", "user"]);
    expect(WELL_KNOWN_FIELDS.url.slice(0, 2)).toEqual(["url", "asset"]);
    expect(WELL_KNOWN_FIELDS.url).toContain("path");
    expect(WELL_KNOWN_FIELDS.action.slice(0, 2)).toEqual(["action", "block_status"]);
    expect(WELL_KNOWN_FIELDS.destinationHost.slice(0, 2)).toEqual(["domain", "host"]);
  });

  it("adds an operator's names before the built-in ones of their meaning", () => {
    const table = keyFieldTable({ source_ip: ["my_src", "client_ip"], count: ["tries"] });
    expect(table[0]?.names.slice(0, 3)).toEqual(["my_src", "client_ip", "remote_ip"]);
    expect(table.find((field) => field.meaning === "count")?.names[0]).toBe("tries");
    expect(keyFieldTable()).toEqual(KEY_FIELDS);
  });
});

describe("valueAtPath", () => {
  it("finds a path through nested objects and arrays, or as a dotted key, the longer key first", () => {
    expect(valueAtPath({ source: { ip: "a" } }, "source.ip")).toEqual({ value: "a", keys: ["source", "ip"] });
    expect(valueAtPath({ "source.ip": "b" }, "source.ip")).toEqual({ value: "b", keys: ["source.ip"] });
    expect(valueAtPath({ "source.ip": "b", source: { ip: "a" } }, "source.ip")?.value).toBe("b");
    expect(valueAtPath({ id: ["x", "y"] }, "id.1")).toEqual({ value: "y", keys: ["id", "1"] });
    expect(valueAtPath({ a: { "b.c": { d: 1 } } }, "a.b.c.d")?.value).toBe(1);
    expect(valueAtPath({ a: 1 }, "a.b")).toBeUndefined();
  });

  it("reads own properties only", () => {
    expect(valueAtPath({}, "constructor")).toBeUndefined();
    expect(valueAtPath({ a: {} }, "a.__proto__")).toBeUndefined();
    expect(valueAtPath({ a: "text" }, "a.length")).toBeUndefined();
  });
});

describe("HERALD_FIELD_ALIASES", () => {
  it("is read from the environment as JSON, and defaults to nothing added", () => {
    expect(loadConfig({}).HERALD_FIELD_ALIASES).toEqual({});
    expect(loadConfig({ HERALD_FIELD_ALIASES: '{"source_ip": ["my_src"]}' }).HERALD_FIELD_ALIASES).toEqual({
      source_ip: ["my_src"],
    });
  });

  it.each([
    [
      '{"src": ["a"]}',
      /HERALD_FIELD_ALIASES: src: "src" is not a key field meaning; the meanings are source_ip,/,
    ],
    ['{"source_ip": "my_src"}', /HERALD_FIELD_ALIASES: source_ip: must be a list of field names/],
    ['{"source_ip": [""]}', /HERALD_FIELD_ALIASES: source_ip\.0: a field name must not be empty/],
    ["source_ip=my_src", /HERALD_FIELD_ALIASES: is not JSON/],
    ['["my_src"]', /HERALD_FIELD_ALIASES: .*expected record/],
  ])("refuses %s at start, naming the variable", (value, message) => {
    expect(() => loadConfig({ HERALD_FIELD_ALIASES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ HERALD_FIELD_ALIASES: value })).toThrow(message);
  });

  it("makes every human format show an operator's field first", () => {
    expect(firstShown(withMySrc)).toEqual({
      slack: "*Source IP*\n192.168.1.100",
      teams: "Source IP: 192.168.1.100",
      discord: "Source IP: 192.168.1.100",
      pagerduty: "client_ip",
    });
    const table = keyFieldTable(
      loadConfig({ HERALD_FIELD_ALIASES: '{"source_ip": ["my_src"]}' }).HERALD_FIELD_ALIASES,
    );
    expect(firstShown(withMySrc, table)).toEqual({
      slack: "*Source IP*\n10.1.2.3",
      teams: "Source IP: 10.1.2.3",
      discord: "Source IP: 10.1.2.3",
      pagerduty: "my_src",
    });
  });

  it("reaches `herald render`", () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-key-fields-"));
    try {
      const file = join(dir, "event.json");
      writeFileSync(
        file,
        JSON.stringify({ type: "hit", title: "x", data: { note: "n", my_src: "10.1.2.3" } }),
      );
      const config = loadConfig({ HERALD_FIELD_ALIASES: '{"source_ip": ["my_src"]}' });
      const [body] = renderCommand(config, ["--format", "slack", "--event", file], NOW).messages;
      expect(JSON.parse(body ?? "").blocks[1].fields[0].text).toBe("*Source IP*\n10.1.2.3");
      const [plain] = renderCommand(loadConfig({}), ["--format", "slack", "--event", file], NOW).messages;
      expect(JSON.parse(plain ?? "").blocks[1].fields[0].text).toBe("*note*\nn");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("HERALD_FIELD_ALIASES in a gateway", { timeout: 120_000 }, () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  beforeAll(async () => {
    gateway = await startTestGateway("pglite", { HERALD_FIELD_ALIASES: '{"source_ip": ["my_src"]}' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await gateway.close();
    await receiver.close();
  });

  const event = { type: "auto_ban", id: "alias-1", title: "x", data: { note: "n", my_src: "10.1.2.3" } };

  it("reaches previews and deliveries, which render in worker threads", async () => {
    const preview = await gateway.api("POST", "/api/v1/preview", { webhook: { format: "teams" }, event });
    expect(preview.status).toBe(200);
    const card = JSON.parse(preview.body.body).attachments[0].content;
    expect(cardFacts(card)[0]).toEqual({ title: "Source IP", value: "10.1.2.3" });

    const created = await gateway.api("POST", "/api/v1/webhooks", {
      name: "slack",
      url: receiver.url,
      format: "slack",
      options: { fields: ["data.note"] },
      event_types: ["auto_ban"],
    });
    expect(created.status).toBe(201);
    expect((await gateway.api("POST", "/api/v1/events", event, ADMIN_TOKEN)).status).toBe(202);
    const [delivered] = await receiver.waitFor(1);
    const fields = JSON.parse(delivered?.body ?? "{}").blocks[1].fields;
    expect(fields.map((field: { text: string }) => field.text)).toEqual([
      "*note*\nn",
      "*Source IP*\n10.1.2.3",
    ]);
  });
});
