import { describe, expect, it } from "vitest";
import { diffLines, folded } from "../../src/console/app/workbench/diff";
import { type SplitSection, splitCef, splitLeef } from "../../src/console/app/workbench/siem-split";
import { splitSyslog } from "../../src/console/app/workbench/syslog-split";

// The workbench's SIEM view splits lines in the browser as a SIEM would; these pin how it reads
// the cases the browser tests do not reach (escapes, LEEF delimiters, RFC 3164, framing).

const rows = (sections: SplitSection[] | undefined, title: string) =>
  Object.fromEntries(
    (sections?.find((section) => section.title.startsWith(title))?.rows ?? []).map((row) => [
      row.name,
      row.value,
    ]),
  );

describe("splitting lines as a SIEM does", () => {
  it("reads a CEF header's escaped pipes and an extension's escaped equals signs and newlines", () => {
    const sections = splitCef(
      String.raw`CEF:0|ACME|WAF \| edge|1.0|hit|a\\b|7|src=10.0.0.1 msg=a\=b c\nd cs1=x y cs1Label=Rule name`,
    );
    expect(rows(sections, "CEF header")).toMatchObject({
      "Device Product": "WAF | edge",
      Name: "a\\b",
      Severity: "7",
    });
    expect(rows(sections, "CEF extension")).toEqual({
      src: "10.0.0.1",
      msg: "a=b c\nd",
      cs1: "x y",
      cs1Label: "Rule name",
    });
    const cs1 = sections?.[1]?.rows.find((row) => row.name === "cs1");
    expect(cs1?.note).toBe("labelled “Rule name”");
    expect(sections?.[1]?.rows[0]?.note).toBe("sourceAddress");
  });

  it("refuses a line with fewer than seven header fields as CEF", () => {
    expect(splitCef("CEF:0|ACME|WAF|1.0")).toBeUndefined();
  });

  it("splits LEEF 2.0 attributes at its declared delimiter, and LEEF 1.0 at tabs", () => {
    const two = splitLeef("LEEF:2.0|ACME|WAF|1.0|hit|^|src=10.0.0.1^cat=a=b^devTime=1");
    expect(rows(two, "LEEF header")).toMatchObject({ Version: "2.0", "Event ID": "hit", Delimiter: "^" });
    expect(rows(two, "LEEF attributes")).toEqual({ src: "10.0.0.1", cat: "a=b", devTime: "1" });
    const hex = splitLeef("LEEF:2.0|ACME|WAF|1.0|hit|x09|src=10.0.0.1\tsev=8");
    expect(rows(hex, "LEEF attributes (separated by tab)")).toEqual({ src: "10.0.0.1", sev: "8" });
    const one = splitLeef("LEEF:1.0|ACME|WAF|1.0|hit|src=10.0.0.1\tsev=8");
    expect(rows(one, "LEEF attributes")).toEqual({ src: "10.0.0.1", sev: "8" });
  });

  it("splits an octet-counted RFC 5424 message: PRI, header, escaped structured data, MSG after its BOM", () => {
    const header = String.raw`<134>1 2026-02-20T10:30:00Z host app 42 ban [herald@32473 title="a \"b\" \] c" n="1"][x@1 k="v"]`;
    const message = `${header} \uFEFFCEF:0|A|B|1|t|n|5|src=1.2.3.4`;
    const split = splitSyslog(`${Buffer.byteLength(message)} ${message}`);
    expect(rows(split?.sections, "Syslog header")).toEqual({
      "MSG-LEN": String(Buffer.byteLength(message)),
      PRI: "134",
      VERSION: "1",
      TIMESTAMP: "2026-02-20T10:30:00Z",
      HOSTNAME: "host",
      "APP-NAME": "app",
      PROCID: "42",
      MSGID: "ban",
    });
    expect(split?.sections[0]?.rows.find((row) => row.name === "PRI")?.note).toBe(
      "local0.info (facility 16, severity 6)",
    );
    expect(rows(split?.sections, "Structured data [herald@32473]")).toEqual({ title: 'a "b" ] c', n: "1" });
    expect(rows(split?.sections, "Structured data [x@1]")).toEqual({ k: "v" });
    expect(split?.message).toBe("CEF:0|A|B|1|t|n|5|src=1.2.3.4");
    expect(split?.sections.at(-1)?.rows[0]?.note).toBe("starts with a UTF-8 BOM");
  });

  it("splits an RFC 3164 message into PRI, timestamp, host, tag and MSG", () => {
    const split = splitSyslog("<38>Feb 20 10:30:00 web1 herald[42]: 192.168.1.100 banned");
    expect(rows(split?.sections, "Syslog header (RFC 3164)")).toEqual({
      PRI: "38",
      TIMESTAMP: "Feb 20 10:30:00",
      HOSTNAME: "web1",
      TAG: "herald[42]",
    });
    expect(split?.message).toBe("192.168.1.100 banned");
  });

  it("answers nothing for text that is not syslog", () => {
    expect(splitSyslog('{"json": true}')).toBeUndefined();
    expect(splitSyslog("<134>1 2026 host app - - [unclosed a=1")).toBeUndefined();
  });
});

describe("comparing a template with the default", () => {
  it("marks added and removed lines and keeps the common ones", () => {
    expect(diffLines("a\nb\nc", "a\nx\nc\nd")).toEqual([
      { kind: "same", text: "a" },
      { kind: "added", text: "x" },
      { kind: "removed", text: "b" },
      { kind: "same", text: "c" },
      { kind: "added", text: "d" },
    ]);
  });

  it("folds unchanged lines far from a change", () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    const after = before.replace("line 10", "changed");
    const shown = folded(diffLines(before, after) ?? []);
    expect(shown[0]).toEqual({ kind: "folded", count: 8 });
    expect(shown.at(-1)).toEqual({ kind: "folded", count: 7 });
    expect(shown.filter((line) => line.kind !== "folded").map((line) => line.kind)).toEqual([
      "same",
      "same",
      "added",
      "removed",
      "same",
      "same",
    ]);
  });

  it("declines templates too long to compare quickly", () => {
    const long = "x\n".repeat(1500);
    expect(diffLines(long, `${long}y`)).toBeUndefined();
  });
});
