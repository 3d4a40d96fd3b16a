import { describe, expect, it } from "vitest";
import { fitCef, joinCefParts, parseCefParts } from "../../src/destinations/syslog/fit-cef";
import { cutJsonString, fitJson } from "../../src/destinations/syslog/fit-json";
import { fitLeef, joinLeefParts, parseLeefParts } from "../../src/destinations/syslog/fit-leef";
import { fitMsg } from "../../src/destinations/syslog/fit-msg";
import { cutText, planFit, waterFill } from "../../src/destinations/syslog/fit-plan";
import { fitRfc5424, joinRfc5424Parts, parseRfc5424Parts } from "../../src/destinations/syslog/fit-rfc5424";
import { fitDatagram } from "../../src/destinations/syslog/framing";
import { syslogDestination } from "../../src/destinations/syslog/index";
import type { HeraldEvent } from "../../src/events/event";
import { findFormat } from "../../src/formats/registry";
import { flattenObject } from "../../src/text";
import { HOSTILE_EVENTS, LARGEST_EVENTS } from "../formats/contract/events";
import { allFixtureEvents } from "../support/fixtures";
import { parseCef } from "../support/parsers/cef";
import { parseLeef } from "../support/parsers/leef";
import { parseRfc5424 } from "../support/parsers/rfc5424";
import { fixtureWith, renderWith } from "../support/render";
import {
  DATAGRAM_SIZES,
  identityOf,
  renderSyslog,
  SYSLOG_FORMATS,
  type SyslogFormatName,
  sdParams,
  warningName,
} from "../support/syslog-fitting";

const UDP = "udp://127.0.0.1:514";
const TCP = "tcp://127.0.0.1:514";
const bytes = (text: string) => Buffer.byteLength(text);
const HEADER = "<134>1 2026-02-20T10:30:00.000Z host app - auto_ban";

/** An SD-PARAM value escaped as RFC 5424 writes it. */
const sdEscape = (value: string) => value.replace(/["\\\]]/g, "\\$&");
const sdMessage = (params: [string, string][], msg?: string) =>
  `${HEADER} [herald@32473${params.map(([name, value]) => ` ${name}="${sdEscape(value)}"`).join("")}]${msg === undefined ? "" : ` ${msg}`}`;

describe("the planner", () => {
  it("water-fills: the longest values are cut to one cap, the short ones not at all", () => {
    expect(waterFill([10, 20, 300, 400], 230, 64)).toBe(100);
    expect(waterFill([10, 20], 30, 64)).toBe(Number.POSITIVE_INFINITY);
    expect(waterFill([100, 100], 100, 64)).toBeUndefined();
  });

  it("shortens, then drops the largest droppable, keeps protected values whole as long as it can", () => {
    const item = (size: number, role: "protected" | "droppable" | "fixed") => ({ size, overhead: 10, role });
    const items = [
      item(30, "protected"),
      item(500, "droppable"),
      item(200, "droppable"),
      item(20, "droppable"),
    ];
    const shortened = planFit(items, 40 + 30 + 64 * 2 + 20, { shortenProtected: true });
    expect(shortened).toMatchObject({ fits: true, dropped: [false, false, false, false] });
    expect(shortened.caps).toEqual([Number.POSITIVE_INFINITY, 64, 64, 64]);

    const dropped = planFit(items, 40 + 30 + 64 + 20, { shortenProtected: true });
    expect(dropped.dropped).toEqual([false, true, false, false]);
    expect(dropped.fits).toBe(true);

    const onlyProtected = planFit(items, 10 + 12, { shortenProtected: true });
    expect(onlyProtected.dropped).toEqual([false, true, true, true]);
    expect(onlyProtected.caps[0]).toBe(12);
    expect(planFit(items, 10 + 12, { shortenProtected: false }).fits).toBe(false);
  });

  it("cuts text at a character boundary with an ellipsis, never after an escaping backslash", () => {
    expect(cutText("ab€€€", 8, false)).toBe("ab€…");
    expect(cutText("abc🚨🚨", 9, false)).toBe("abc…");
    expect(cutText("short", 5, false)).toBe("short");
    expect(cutText('ab\\"cdef', 6, true)).toBe("ab…");
    expect(cutText("ab\\\\cdef", 7, true)).toBe("ab\\\\…");
    expect(cutText("anything", 2, false)).toBe("");
  });
});

describe("RFC 5424: fitting keeps the header and every SD-ELEMENT whole", () => {
  it("splits a message into parts and joins them back byte for byte", () => {
    for (const { event } of [...allFixtureEvents(), ...HOSTILE_EVENTS]) {
      const message = renderSyslog({ format: "syslog", url: TCP, maxMessageBytes: 2048 }, event).body;
      const parts = parseRfc5424Parts(message);
      expect(parts).toBeDefined();
      expect(joinRfc5424Parts(parts as NonNullable<typeof parts>)).toBe(message);
    }
    expect(parseRfc5424Parts(`${HEADER} [herald@32473 id="open`)).toBeUndefined();
  });

  it("issue 8: a 10 KB data string at the default 2,048 bytes keeps the SD, with the string cut", () => {
    const event = fixtureWith("website-defender-auto-ban", {
      data: { client_ip: "203.0.113.7", reason: "excessive 4xx", payload: `${"A".repeat(10_000)}"]\\` },
    });
    const { body, warnings } = renderSyslog({ format: "syslog", url: UDP, maxMessageBytes: 2048 }, event);
    expect(bytes(body)).toBeLessThanOrEqual(2048);
    const params = sdParams(parseRfc5424(body));
    expect(Object.fromEntries(params)).toMatchObject({
      id: event.id,
      type: event.type,
      severity: event.severity,
      source: event.source,
      "data.client_ip": "203.0.113.7",
      "data.reason": "excessive 4xx",
    });
    expect(params.get("data.payload")).toMatch(/^A+…$/);
    expect(warnings).toEqual([expect.stringContaining("SD-PARAM values cut: data.payload")]);
  });

  it('never cuts inside an escape: values made of \\" \\\\ \\] still parse at every length', () => {
    const value = '"\\]'.repeat(200);
    for (let maxBytes = 200; maxBytes < 400; maxBytes++) {
      const fitted = fitRfc5424(
        sdMessage(
          [
            ["id", "e1"],
            ["data.x", value],
          ],
          "title",
        ),
        maxBytes,
      );
      expect(bytes(fitted?.message ?? "")).toBeLessThanOrEqual(maxBytes);
      const cut = sdParams(parseRfc5424(fitted?.message ?? "")).get("data.x");
      expect(value.startsWith((cut ?? "").replace(/…$/, ""))).toBe(true);
    }
  });

  it("drops whole params before it shortens MSG; id, type, severity and source go last", () => {
    const params: [string, string][] = [
      ["id", "e1"],
      ["type", "auto_ban"],
      ["source", "website-defender"],
      ["severity", "high"],
      ...Array.from({ length: 20 }, (_, i): [string, string] => [`data.k${i}`, `value ${i}`.repeat(10)]),
    ];
    const message = sdMessage(params, "M".repeat(200));
    const dropping = fitRfc5424(message, bytes(message) - 300);
    const kept = parseRfc5424(dropping?.message ?? "");
    expect(kept.msg).toBe("M".repeat(200));
    expect(dropping?.notes.join()).toContain("SD-PARAM dropped: data.k");

    const msgCut = fitRfc5424(message, bytes(sdMessage(params.slice(0, 4), "")) + 50);
    const parsed = parseRfc5424(msgCut?.message ?? "");
    expect([...sdParams(parsed).keys()]).toEqual(["id", "type", "source", "severity"]);
    expect(parsed.msg).toMatch(/^M+…$/);
    expect(msgCut?.notes).toContain("MSG cut");

    // Less room than the identity itself: the longest of it is cut, nothing is lost whole.
    const long = fitRfc5424(sdMessage([...params.slice(0, 3), ["severity", "S".repeat(600)]], "x"), 480);
    const identity = sdParams(parseRfc5424(long?.message ?? ""));
    expect([...identity.keys()]).toEqual(["id", "type", "source", "severity"]);
    expect(identity.get("severity")).toMatch(/^S+…$/);
  });
});

describe("MSG: CEF, LEEF and JSON stay parseable", () => {
  it("CEF: cuts extension values (never a key or an escape), drops pairs, keeps externalId and sourceServiceName", () => {
    const line = `CEF:0|Herald|Herald|1.0|auto_ban|A title|8|rt=1 externalId=e1 sourceServiceName=wd cs1=${"a\\=b\\\\c\\n".repeat(100)} cs1Label=data.x cs2=${"y".repeat(300)} cs2Label=data.y`;
    expect(joinCefParts(parseCefParts(line) as NonNullable<ReturnType<typeof parseCefParts>>)).toBe(line);
    for (let maxBytes = 150; maxBytes < 700; maxBytes += 7) {
      const fitted = fitCef(line, maxBytes);
      expect(bytes(fitted?.msg ?? "")).toBeLessThanOrEqual(maxBytes);
      const cef = parseCef(fitted?.msg ?? "");
      expect(cef).toMatchObject({ classId: "auto_ban", severity: "8" });
      expect(cef.extension).toMatchObject({ externalId: "e1", sourceServiceName: "wd" });
      if (cef.extension.cs1 === undefined) expect(cef.extension.cs1Label).toBeUndefined();
    }
    expect(fitCef(line, 400)?.report).toMatchObject({ cut: ["cs1 (data.x)", "cs2 (data.y)"] });
  });

  it("LEEF: cuts and drops attributes, never brings in the delimiter, keeps the event's identity", () => {
    const line = `LEEF:2.0|Herald|Herald|1.0|auto_ban|^|devTime=1^sev=8^cat=wd^id=e1^title=${"t".repeat(300)}^data.x=${"…".repeat(200)}`;
    expect(joinLeefParts(parseLeefParts(line) as NonNullable<ReturnType<typeof parseLeefParts>>)).toBe(line);
    for (const maxBytes of [120, 200, 400, 800]) {
      const fitted = fitLeef(line, maxBytes);
      expect(bytes(fitted?.msg ?? "")).toBeLessThanOrEqual(maxBytes);
      const leef = parseLeef(fitted?.msg ?? "");
      expect(leef).toMatchObject({ eventId: "auto_ban", delimiter: "^" });
      expect(leef.attributes).toMatchObject({ devTime: "1", sev: "8", cat: "wd", id: "e1" });
    }
    // A delimiter of "…" is never the cut mark.
    const ellipsis = fitLeef(
      `LEEF:2.0|H|H|1.0|auto_ban|x2026|devTime=1…sev=8…cat=wd…id=e1…title=${"t".repeat(300)}`,
      150,
    );
    expect(parseLeef(ellipsis?.msg ?? "").attributes.title).toMatch(/^t+\.\.\.$/);
  });

  it("JSON: shortens the longest strings, then drops the largest data members; always whole JSON", () => {
    const value = {
      id: "e1",
      event_type: "auto_ban",
      severity: "high",
      source: "wd",
      title: "T".repeat(300),
      data: {
        big: { nested: "n".repeat(50), more: [1, 2, 3] },
        ip: "203.0.113.7",
        text: 'q"\\\n'.repeat(200),
      },
    };
    for (let maxBytes = 100; maxBytes < 1200; maxBytes += 13) {
      const fitted = fitJson(value, maxBytes);
      expect(bytes(fitted.msg)).toBeLessThanOrEqual(maxBytes);
      expect(JSON.parse(fitted.msg)).toMatchObject({
        id: "e1",
        event_type: "auto_ban",
        severity: "high",
        source: "wd",
      });
    }
    expect(fitJson(value, 250).report).toEqual({
      what: "JSON",
      cut: ["title", "data.text"],
      dropped: ["data.big"],
    });
    expect(cutJsonString('a"b\u0001c', 10)).toBe('a"b…');
  });

  it("falls back to the identity alone, then to a character cut for text that has no structure", () => {
    const huge = JSON.stringify({ id: "e1", severity: "high", [`k${"x".repeat(500)}`]: "v" });
    expect(JSON.parse(fitMsg(huge, 100).msg)).toEqual({ id: "e1", severity: "high" });
    expect(fitMsg("plain text é€", 12)).toEqual({ msg: "plain tex…", notes: ["MSG cut"] });
    expect(fitMsg("short", 12)).toEqual({ msg: "short", notes: [] });
  });
});

describe("the syslog destination's frame", () => {
  const large = fixtureWith("website-defender-auto-ban", { data: { blob: "B".repeat(50_000) } });

  it("over TCP and TLS nothing is fitted", () => {
    for (const format of SYSLOG_FORMATS) {
      const tcp = renderSyslog({ format, url: TCP, maxMessageBytes: 480 }, large);
      expect(bytes(tcp.body)).toBeGreaterThan(4000);
      expect(tcp.warnings.join()).not.toContain("fitted");
      expect(renderSyslog({ format, url: "tls://127.0.0.1", maxMessageBytes: 480 }, large).body).toBe(
        tcp.body,
      );
    }
  });

  it("RFC 3164: the MSG of the envelope is fitted the same way", () => {
    const { body, warnings } = renderSyslog(
      { format: "cef", url: UDP, maxMessageBytes: 480, rfc: "3164" },
      large,
    );
    expect(bytes(body)).toBeLessThanOrEqual(480);
    expect(body).toMatch(/^<\d+>\w{3} [ \d]\d \d\d:\d\d:\d\d herald herald: CEF:0\|/);
    expect(parseCef(body.slice(body.indexOf("CEF:"))).extension.externalId).toBe(large.id);
    expect(warnings.filter((warning) => warning.includes("fitted"))).toEqual([
      expect.stringContaining("CEF values cut: cs1 (data.blob)"),
    ]);
  });

  const events = [...allFixtureEvents(), ...HOSTILE_EVENTS];
  const cases = events.flatMap(({ name, event }) =>
    SYSLOG_FORMATS.flatMap((format) => DATAGRAM_SIZES.map((size) => [name, format, size, event] as const)),
  );

  it.each(cases)(
    "%s, %s at %i bytes: fits, parses, keeps id, type, severity and source",
    (_, format, size, event) => {
      const whole = renderSyslog({ format, url: TCP, maxMessageBytes: size }, event);
      const fitted = renderSyslog({ format, url: UDP, maxMessageBytes: size }, event);
      expect(bytes(fitted.body)).toBeLessThanOrEqual(size);
      // The sender's byte cut, the last resort, has nothing left to do.
      expect(fitDatagram(fitted.body, size).warnings).toEqual([]);
      expect(identityOf(format, fitted.body)).toEqual(identityOf(format, whole.body));
      if (format === "syslog") {
        const { id, type, severity, source } = event;
        expect(identityOf(format, fitted.body)).toEqual({ id, type, severity, source });
      }
      const fitWarnings = fitted.warnings.filter((warning) => warning.includes("fitted"));
      if (bytes(whole.body) <= size) {
        expect(fitted.body).toBe(whole.body);
        expect(fitWarnings).toEqual([]);
        return;
      }
      expect(fitWarnings).toHaveLength(1);
      expectWarningNamesWhatChanged(format, whole.body, fitted.body, fitWarnings[0] ?? "");
    },
  );

  // How fast is for the benchmarks (a shared machine makes timed tests flaky); this is that it fits.
  it("fits a rendered 1 MiB event into a 2 KiB syslog message", () => {
    const [widest] = LARGEST_EVENTS;
    const event = widest?.event as HeraldEvent;
    for (const name of ["syslog", "leef", "json"] as const) {
      const format = findFormat(name);
      if (!format) throw new Error(name);
      const rendered = renderWith(format, event);
      expect(bytes(rendered.body)).toBeGreaterThan(900_000);
      const settings = {
        tls: null,
        syslog: { framing: "octet-counting", max_message_bytes: 2048, rfc: "5424", envelope: {} },
      };
      const framed = syslogDestination.frame?.({
        rendered,
        events: [event],
        format,
        settings: settings as never,
        url: UDP,
      });
      expect(bytes(framed?.body ?? ""), name).toBeLessThanOrEqual(2048);
    }
  });
});

/** The warning names (the first of) what the fit cut or dropped. */
function expectWarningNamesWhatChanged(
  format: SyslogFormatName,
  whole: string,
  fitted: string,
  warning: string,
) {
  const changed = changedNames(format, whole, fitted, warning);
  expect(changed.cut.length + changed.dropped.length + (warning.includes("MSG") ? 1 : 0)).toBeGreaterThan(0);
  // The warning lists a few names of each kind (the header's and MSG's among them) and how many more.
  for (const name of changed.cut.slice(0, 4)) expect(warning).toContain(warningName(name));
  for (const name of changed.dropped.slice(0, 4)) expect(warning).toContain(warningName(name));
}

/** What differs between the whole message and the fitted one, by the names the warning uses. */
function changedNames(format: SyslogFormatName, whole: string, fitted: string, warning: string) {
  const diff = (before: Map<string, string>, after: Map<string, string>) => ({
    cut: [...before]
      .filter(([name, value]) => after.has(name) && after.get(name) !== value)
      .map(([name]) => name),
    dropped: [...before.keys()].filter((name) => !after.has(name)),
  });
  const msgOf = (message: string) => parseRfc5424(message).msg ?? "";
  switch (format) {
    case "syslog":
      return diff(sdParams(parseRfc5424(whole)), sdParams(parseRfc5424(fitted)));
    case "leef": {
      const attributes = (message: string) => new Map(Object.entries(parseLeef(msgOf(message)).attributes));
      return diff(attributes(whole), attributes(fitted));
    }
    case "cef": {
      // csN values are named with their label; a label dropped with its value is not named.
      const before = parseCef(msgOf(whole)).extension;
      const name = (key: string) => {
        const label = before[`${key}Label`];
        return /^cs\d$/.test(key) && label !== undefined ? `${key} (${label})` : key;
      };
      const named = (pairs: Record<string, string>) =>
        new Map(Object.entries(pairs).map(([key, value]) => [name(key), value]));
      const after = parseCef(msgOf(fitted)).extension;
      const changed = diff(named(before), named(after));
      if (parseCef(msgOf(fitted)).name !== parseCef(msgOf(whole)).name) changed.cut.unshift("Name");
      const labelOfDropped = (key: string) => key.endsWith("Label") && after[key.slice(0, -5)] === undefined;
      return { cut: changed.cut, dropped: changed.dropped.filter((key) => !labelOfDropped(key)) };
    }
    default: {
      // JSON names a dropped member, not its leaves: each changed leaf is named by its path or an ancestor's.
      const leaves = (message: string) =>
        new Map(
          Object.entries(flattenObject(JSON.parse(msgOf(message)))).map(([path, value]) => [
            path,
            String(value),
          ]),
        );
      const changed = diff(leaves(whole), leaves(fitted));
      const named = (path: string) => {
        const segments = path.split(".");
        const ancestors = segments.map((_, end) => segments.slice(0, end + 1).join("."));
        return ancestors.find((ancestor) => warning.includes(warningName(ancestor))) ?? path;
      };
      return { cut: changed.cut.map(named), dropped: changed.dropped.map(named) };
    }
  }
}
