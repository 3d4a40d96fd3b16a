import { describe, expect, it } from "vitest";
import { substituteEnv } from "../../src/config-file/env-refs";
import { ConfigFileError } from "../../src/config-file/errors";
import { loadConfigFile, testKey, writeConfig } from "./helpers";

const SIEM = `webhooks:
  - name: siem-qradar
    url: udp://qradar.internal:514
    format: cef
`;

/** The message a broken file is refused with (every problem, one per line). */
async function refusal(text: string, env: Record<string, string> = {}, files: Record<string, string> = {}) {
  const file = writeConfig(text, files);
  const error = await loadConfigFile(file, env).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigFileError);
  return (error as ConfigFileError).message.replaceAll(file, "herald.yaml");
}

describe("reading a config file", () => {
  it("checks each webhook with the API's schema and fills in its defaults", async () => {
    const desired = await loadConfigFile(writeConfig(SIEM));
    expect(desired.prune).toBe(false);
    expect(desired.webhooks).toHaveLength(1);
    expect(desired.webhooks[0]?.input).toMatchObject({
      name: "siem-qradar",
      url: "udp://qradar.internal:514",
      format: "cef",
      event_types: ["*"],
      retry_count: 3,
      destination: { kind: "syslog" },
    });
  });

  it("refuses YAML that does not parse, naming the line", async () => {
    const message = await refusal(`webhooks:\n  - name: a\n    url: https://a.example: 8080\n`);
    expect(message).toBe(
      "herald.yaml:3: not valid YAML: Nested mappings are not allowed in compact mappings",
    );
  });

  it("refuses an unknown field at its own line", async () => {
    expect(await refusal(`${SIEM}    colour: red\n`)).toBe(
      "herald.yaml:5: webhooks[0].colour: unknown field",
    );
  });

  it("refuses a __proto__ key, which the webhook's settings would lose, at its path and line", async () => {
    expect(await refusal(`${SIEM}    headers:\n      __proto__: x\n`)).toBe(
      "herald.yaml:6: webhooks[0].headers.__proto__: __proto__ may not be a key here: it would be lost",
    );
  });

  it("refuses a bad format option at its path and line, as the format's own schema says", async () => {
    const message = await refusal(`webhooks:
  - name: slack-soc
    url: https://hooks.slack.com/services/T0/B0/abc
    format: slack
    options:
      max_fields: 99
`);
    expect(message).toMatch(
      /^herald\.yaml:6: webhooks\[0\]\.options\.max_fields: a Slack section holds at most \d+ fields$/,
    );
  });

  it("names a format option the format does not have where it is written", async () => {
    const message = await refusal(`webhooks:
  - name: slack-soc
    url: https://hooks.slack.com/services/T0/B0/abc
    format: slack
    options:
      channel: "#soc"
`);
    expect(message).toBe("herald.yaml:6: webhooks[0].options.channel: unknown field");
  });

  it("refuses a template that does not compile, with the template's own line and column", async () => {
    const inline = await refusal(`${SIEM}  - name: ops
    url: https://ops.example.com/hook
    template: |
      {"title": {{json title}},
       "oops": {{#if severity}}
      }
`);
    expect(inline).toMatch(/^herald\.yaml:7: webhooks\[1\]\.template: template line \d+, column \d+: /);

    const fromFile = await refusal(
      `${SIEM}  - name: ops\n    url: https://ops.example.com/hook\n    template_file: ./ops.hbs\n`,
      {},
      { "ops.hbs": '{\n  "title": {{json title}\n}\n' },
    );
    expect(fromFile).toMatch(
      /^herald\.yaml:7: webhooks\[1\]\.template_file: \.\/ops\.hbs line 2, column \d+: /,
    );
  });

  it("reads a template from a file beside the config file", async () => {
    const template = '{"alert": {{json title}}, "ip": {{json data.client_ip}} }\n';
    const file = writeConfig(
      `webhooks:\n  - name: ops\n    url: https://ops.example.com/hook\n    template_file: ./ops.hbs\n`,
      { "ops.hbs": template },
    );
    const desired = await loadConfigFile(file);
    expect(desired.webhooks[0]?.input.template).toBe(template);
    expect(desired.webhooks[0]?.templateFile).toBe("./ops.hbs");
  });

  it("refuses a missing template file and a template given twice", async () => {
    const message = await refusal(`webhooks:
  - name: ops
    url: https://ops.example.com/hook
    template_file: ./missing.hbs
  - name: two
    url: https://ops.example.com/hook
    template: "{}"
    template_file: ./missing.hbs
`);
    expect(message).toContain("herald.yaml:4: webhooks[0].template_file: cannot read ./missing.hbs: ENOENT");
    expect(message).toContain(
      "herald.yaml:8: webhooks[1].template_file: give template or template_file, not both",
    );
  });

  it("refuses two webhooks of one name, naming both lines", async () => {
    const message = await refusal(`${SIEM}  - name: siem-qradar
    url: udp://qradar-2.internal:514
`);
    expect(message).toBe(
      'herald.yaml:5: webhooks[1].name: "siem-qradar" is the name of webhooks[0] too (line 2): webhooks are matched by name, so each needs its own',
    );
  });

  it(`replaces \${VARIABLE} references anywhere in a string, and $\${ stays a literal \${`, async () => {
    const file = writeConfig(`webhooks:
  - name: splunk
    url: https://\${SPLUNK_HOST}:8088/services/collector/event
    format: splunk_hec
    headers:
      X-Note: "costs $\${AMOUNT}"
    destination:
      auth: { type: splunk, token: "\${SPLUNK_TOKEN}" }
`);
    const desired = await loadConfigFile(file, {
      SPLUNK_HOST: "splunk.example.com",
      SPLUNK_TOKEN: "hec-token-1",
    });
    expect(desired.webhooks[0]?.input).toMatchObject({
      url: "https://splunk.example.com:8088/services/collector/event",
      headers: { "X-Note": `costs \${AMOUNT}` },
      destination: { kind: "splunk_hec", auth: { type: "splunk", token: "hec-token-1" } },
    });
    expect(desired.warnings).toEqual([]);
  });

  it("refuses a reference to a variable that is not set, naming it and its line", async () => {
    const message = await refusal(`${SIEM}    secret: \${SIEM_SECRET}\n`);
    expect(message).toBe(
      `herald.yaml:5: webhooks[0].secret: \${SIEM_SECRET}: the environment variable SIEM_SECRET is not set`,
    );
  });

  it("warns about a secret written in the file", async () => {
    const desired = await loadConfigFile(writeConfig(`${SIEM}    secret: literal-signing-secret\n`));
    expect(desired.warnings).toEqual([
      expect.stringMatching(
        /herald\.yaml:5: webhooks\[0\]\.secret is written in the file: put it in an environment variable/,
      ),
    ]);
  });

  it("takes API keys only from the environment, and hashes them", async () => {
    const key = testKey("ci");
    const desired = await loadConfigFile(
      writeConfig(`api_keys:\n  - name: ci\n    role: ingest\n    key: \${HERALD_KEY_CI}\n`),
      { HERALD_KEY_CI: key },
    );
    expect(desired.keys).toEqual([
      expect.objectContaining({
        name: "ci",
        role: "ingest",
        variable: "HERALD_KEY_CI",
        prefix: key.slice(0, 10),
      }),
    ]);
    expect(JSON.stringify(desired.keys)).not.toContain(key);

    const literal = await refusal(`api_keys:\n  - name: ci\n    role: ingest\n    key: ${key}\n`);
    expect(literal).toMatch(
      /^herald\.yaml:4: api_keys\[0\]\.key: write the key as a reference to an environment variable, e\.g\. \$\{HERALD_KEY_CI\}/,
    );
  });

  it("refuses a short key and an unknown role", async () => {
    const message = await refusal(`api_keys:\n  - name: ci\n    role: root\n    key: \${SHORT}\n`, {
      SHORT: "hk_short",
    });
    expect(message).toContain("herald.yaml:3: api_keys[0].role: ");
    expect(message).toContain("herald.yaml:4: api_keys[0].key: must be at least 32 characters");
  });

  it("refuses two keys of one name or one value, naming both lines", async () => {
    const entry = (name: string, variable: string) =>
      `  - name: ${name}\n    role: viewer\n    key: \${${variable}}\n`;
    const env = { ONE: testKey("one"), TWO: testKey("two"), SAME: testKey("one") };
    const message = await refusal(
      `api_keys:\n${entry("a", "ONE")}${entry("a", "TWO")}${entry("b", "SAME")}`,
      env,
    );
    expect(message).toBe(
      [
        'herald.yaml:5: api_keys[1].name: "a" is the name of api_keys[0] too (line 2)',
        "herald.yaml:10: api_keys[2].key: the same key as api_keys[0] (line 2): give each its own",
      ].join("\n"),
    );
  });

  it("adds event types to the catalog the file's webhooks are checked against", async () => {
    const desired = await loadConfigFile(
      writeConfig(
        `event_types:\n  custom.alert: An alert from our own tooling\n${SIEM}    event_types: [custom.alert]\n`,
      ),
    );
    expect(desired.eventTypes).toEqual({ "custom.alert": "An alert from our own tooling" });
  });
});

describe(`\${…} references`, () => {
  it("replaces each reference and says which variables it used", () => {
    expect(substituteEnv(`https://\${HOST}:\${PORT}/x`, { HOST: "siem", PORT: "8088" })).toEqual({
      value: "https://siem:8088/x",
      variables: ["HOST", "PORT"],
      whole: false,
    });
    expect(substituteEnv(`\${KEY}`, { KEY: "k" }).whole).toBe(true);
  });

  it(`keeps $\${ as a literal \${ and a lone $ as itself`, () => {
    expect(substituteEnv(`$\${HOME} costs $5`, {}).value).toBe(`\${HOME} costs $5`);
  });

  it(`refuses an empty variable and a \${ that is not a reference`, () => {
    expect(() => substituteEnv(`\${EMPTY}`, { EMPTY: "" })).toThrow(
      "the environment variable EMPTY is not set",
    );
    expect(() => substituteEnv(`\${not valid}`, {})).toThrow(`write $\${ for a literal \${`);
  });
});
