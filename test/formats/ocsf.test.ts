import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HeraldEvent } from "../../src/events/event";
import { SEVERITIES, type Severity } from "../../src/events/severity";
import { OCSF_VERSION, type OcsfOptions, ocsfFormat } from "../../src/formats/ocsf";
import { allFixtureEvents, fixtureEvent } from "../support/fixtures";
import { fixtureWith, renderWith } from "../support/render";
import { schemaErrors } from "./contract/ocsf";

const ROOT = join(import.meta.dirname, "..", "..");
const DEFAULT_TEMPLATE = readFileSync(join(ROOT, "templates", "ocsf.hbs"), "utf8");

interface Finding {
  [attribute: string]: any;
}

function render(event: HeraldEvent, options: Partial<OcsfOptions> = {}, source = DEFAULT_TEMPLATE) {
  const rendered = renderWith(ocsfFormat, event, options, source);
  return { ...rendered, finding: JSON.parse(rendered.body) as Finding };
}

const CLASS = {
  activity_id: 1,
  activity_name: "Create",
  category_uid: 2,
  category_name: "Findings",
  class_uid: 2004,
  class_name: "Detection Finding",
  type_uid: 200401,
  type_name: "Detection Finding: Create",
  status_id: 1,
  status: "New",
};

/** Nested 31 levels below data (data itself is level 1): Herald's deepest accepted data. */
function deepData(): Record<string, unknown> {
  let value: Record<string, unknown> = { bottom: "🚨" };
  for (let level = 0; level < 30; level++) value = { next: value };
  return { deep: value };
}

const HOSTILE = {
  mentions: "@everyone @here <@123> <!channel>",
  markdown: "*bold* _it_ `code` [link](https://evil.example) <https://evil.example|click>",
  rtl: "user\u202Egnp.exe",
  control: "\u0000\u0001\u001f\u007f\u2028\u2029",
  braces: '"}\n{"class_uid": 1} }{',
  long: "x".repeat(100 * 1024),
  nested: { list: [null, { deep: [1.5, 0, true] }], empty: {}, none: null },
  many: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key_${i}`, i])),
  ...deepData(),
};

describe("ocsf format", () => {
  it("renders every fixture as a Detection Finding of the event, without warnings", () => {
    for (const { name, event } of allFixtureEvents()) {
      const { finding, warnings } = render(event);
      expect(finding, name).toMatchObject(CLASS);
      expect(finding.metadata, name).toEqual({
        version: OCSF_VERSION,
        product: { name: event.source, vendor_name: event.source },
      });
      expect(finding.finding_info, name).toEqual({ uid: event.id, title: event.title, types: [event.type] });
      expect(finding.message, name).toBe(event.title);
      expect(warnings, name).toEqual([]);
    }
  });

  it("checks against a schema that refuses what the class does not define", () => {
    const { finding } = render(fixtureEvent("wallarm-hit-sqli"));
    expect(schemaErrors({ ...finding, src_endpoint: { ip: "111.17.1.1" } })).toContain(
      " must NOT have additional properties",
    );
    expect(schemaErrors({ ...finding, class_uid: 2001 })).not.toEqual([]);
    expect(
      schemaErrors({ ...finding, finding_info: { ...finding.finding_info, severity: "x" } }),
    ).not.toEqual([]);
    expect(schemaErrors({ ...finding, evidences: [{ src_endpoint: { ip: "111.17.1" } }] })).not.toEqual([]);
    const { metadata, ...withoutMetadata } = finding;
    expect(schemaErrors(withoutMetadata)).toContain(" must have required property 'metadata'");
  });

  /** OCSF's severity_id and caption for each of Herald's severities. */
  const SEVERITY_IDS = {
    info: [1, "Informational"],
    low: [2, "Low"],
    medium: [3, "Medium"],
    high: [4, "High"],
    critical: [5, "Critical"],
  } as const;

  it("has an OCSF severity for every one of Herald's severities", () => {
    expect(Object.keys(SEVERITY_IDS)).toEqual([...SEVERITIES]);
  });

  it.each(Object.entries(SEVERITY_IDS))(
    "maps severity %s to severity_id and caption %j",
    (severity, [id, caption]) => {
      const { finding } = render(fixtureWith("mailserver-auth-failed", { severity: severity as Severity }));
      expect(finding.severity_id).toBe(id);
      expect(finding.severity).toBe(caption);
    },
  );

  it("sends the event's time in epoch milliseconds", () => {
    // 2026-03-02T16:45:09.123+01:00
    expect(render(fixtureEvent("pentest-critical-finding")).finding.time).toBe(1772466309123);
    // No time in the fixture: the time Herald received it, 2026-11-23T12:00:00Z.
    expect(render(fixtureEvent("wallarm-vulnerability")).finding.time).toBe(1795435200000);
  });

  it("makes Wallarm's data.remote_addr4 the source IP evidence and an IP Address observable", () => {
    const event = fixtureEvent("wallarm-hit-sqli");
    const { finding } = render(event);
    expect(finding.evidences).toEqual([{ src_endpoint: { ip: "111.17.1.1" } }]);
    expect(finding.observables).toEqual([
      { name: "evidences[0].src_endpoint.ip", type_id: 2, type: "IP Address", value: "111.17.1.1" },
    ]);
    expect(finding).not.toHaveProperty("src_endpoint");
    const { remote_addr4, ...rest } = event.data;
    expect(remote_addr4).toBe("111.17.1.1");
    expect(finding.unmapped).toEqual(rest);
  });

  it("sends no evidences and no observables when the data holds no IP", () => {
    for (const name of ["pentest-critical-finding", "wallarm-vulnerability"]) {
      const event = fixtureEvent(name);
      const { finding } = render(event);
      expect(finding, name).not.toHaveProperty("evidences");
      expect(finding, name).not.toHaveProperty("observables");
      expect(finding.unmapped, name).toEqual(event.data);
    }
  });

  it("takes the first well-known address field that holds a valid IP; the others stay unmapped", () => {
    const data = { client_ip: "not-an-ip", remote_ip: " 10.0.0.1", src_ip: "2001:db8::1", port: 22 };
    const { finding } = render(fixtureWith("website-defender-auto-ban", { data }));
    expect(schemaErrors(finding)).toEqual([]);
    expect(finding.evidences).toEqual([{ src_endpoint: { ip: "2001:db8::1" } }]);
    expect(finding.observables[0].value).toBe("2001:db8::1");
    expect(finding.unmapped).toEqual({ client_ip: "not-an-ip", remote_ip: " 10.0.0.1", port: 22 });
  });

  it("leaves unmapped out when nothing is left of the data", () => {
    const { finding } = render(
      fixtureWith("website-defender-auto-ban", { data: { client_ip: "192.0.2.1" } }),
    );
    expect(finding).not.toHaveProperty("unmapped");
    expect(finding.evidences).toEqual([{ src_endpoint: { ip: "192.0.2.1" } }]);
  });

  it("names the event's subject as the affected resource", () => {
    const { finding } = render(fixtureWith("pentest-critical-finding", { subject: "app.acme.example" }));
    expect(schemaErrors(finding)).toEqual([]);
    expect(finding.resources).toEqual([{ name: "app.acme.example" }]);
    expect(render(fixtureEvent("pentest-critical-finding")).finding).not.toHaveProperty("resources");
  });

  it("takes the product and vendor names from the options", () => {
    const options = { product_name: "Wallarm WAF", vendor_name: "Wallarm" };
    const { finding } = render(fixtureEvent("wallarm-hit-sqli"), options);
    expect(finding.metadata.product).toEqual({ name: "Wallarm WAF", vendor_name: "Wallarm" });
  });

  it("keeps hostile values exactly as sent, and the finding valid", () => {
    const event = fixtureWith("wallarm-hit-sqli", {
      title: `${HOSTILE.mentions} ${HOSTILE.rtl} ${HOSTILE.control} ${HOSTILE.long}`,
      type: HOSTILE.braces,
      source: HOSTILE.markdown,
      subject: HOSTILE.rtl,
      data: { ...HOSTILE, remote_addr4: "203.0.113.9" },
    });
    const { finding, warnings } = render(event);
    expect(schemaErrors(finding)).toEqual([]);
    expect(warnings).toEqual([]);
    expect(finding).toMatchObject(CLASS);
    expect(finding.finding_info).toEqual({ uid: event.id, title: event.title, types: [HOSTILE.braces] });
    expect(finding.metadata.product.name).toBe(HOSTILE.markdown);
    expect(finding.resources).toEqual([{ name: HOSTILE.rtl }]);
    expect(finding.unmapped).toEqual(HOSTILE);
    expect(finding.evidences).toEqual([{ src_endpoint: { ip: "203.0.113.9" } }]);
  });

  it("lets a template word finding_info and message; uid and title default to the event's", () => {
    const event = fixtureEvent("website-defender-brute-force");
    const source = `{
      "message": "{{source}}: {{data.reason}}",
      "finding_info": { "desc": {{json data.reason}}, "src_url": "https://herald.example/events/{{id}}" }
    }`;
    const { finding, warnings } = render(event, {}, source);
    expect(schemaErrors(finding)).toEqual([]);
    expect(warnings).toEqual([]);
    expect(finding.message).toBe("website-defender: 52 failed logins in 60s");
    expect(finding.finding_info).toEqual({
      uid: event.id,
      title: event.title,
      desc: "52 failed logins in 60s",
      src_url: `https://herald.example/events/${event.id}`,
    });
    expect(finding).not.toHaveProperty("unmapped");
  });

  it("replaces, with a warning, the class attributes a template tries to set", () => {
    const source = `{
      "class_uid": 1001, "category_uid": 1, "type_uid": 100101, "activity_id": 3, "severity_id": 99,
      "time": "yesterday", "metadata": { "version": "0.1" }, "evidences": [],
      "finding_info": { "title": "mine" }
    }`;
    const { finding, warnings } = render(fixtureEvent("wallarm-hit-sqli"), {}, source);
    expect(schemaErrors(finding)).toEqual([]);
    expect(finding).toMatchObject({ ...CLASS, severity_id: 4, time: 1591261367000 });
    expect(finding.metadata.version).toBe(OCSF_VERSION);
    expect(finding.evidences).toEqual([{ src_endpoint: { ip: "111.17.1.1" } }]);
    expect(finding.finding_info.title).toBe("mine");
    expect(warnings).toHaveLength(8);
    expect(warnings[0]).toMatch(/"class_uid" was replaced/);
  });

  it.each([
    [
      `{"src_endpoint": {"ip": "1.2.3.4"}}`,
      /"src_endpoint": it may shape only message, finding_info and unmapped/,
    ],
    [`{"__proto__": {"x": 1}}`, /"__proto__"/],
    [`{"finding_info": {"uid": "a", "severity": "x"}}`, /finding_info.severity: it may set only/],
    [`{"finding_info": {"constructor": "x"}}`, /finding_info.constructor/],
    [`{"finding_info": {"types": "auth"}}`, /finding_info.types must be an array of strings/],
    [`{"finding_info": {"title": 7}}`, /finding_info.title must be a string/],
    [`{"finding_info": {"uid": ""}}`, /finding_info.uid must not be empty/],
    [`{"finding_info": []}`, /finding_info must be a JSON object/],
    [`{"message": {"text": "x"}}`, /message must be a string/],
    [`{"unmapped": [1]}`, /unmapped must be a JSON object/],
    [`[{}]`, /must produce a JSON object/],
    [`{"message": {{title}} }`, /valid JSON/],
  ])("refuses the template %s, which would not make a valid finding", (source, reason) => {
    expect(() => render(fixtureEvent("mailserver-auth-failed"), {}, source)).toThrow(reason);
  });
});
