import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failure, herald, heraldArgs, ROOT, waitForOutput } from "../support/cli";
import { testKey, writeConfig } from "./helpers";

const CONFIG = `event_types:
  custom.alert: An alert from our own tooling
webhooks:
  - name: siem-qradar
    url: udp://qradar.internal:514
    format: cef
    event_types: [custom.alert, "auth.*"]
  - name: slack-soc
    url: \${SLACK_URL}
    format: slack
    template_file: ./slack.hbs
api_keys:
  - name: ci
    role: ingest
    key: \${HERALD_KEY_CI}
`;
const SLACK_TEMPLATE = readFileSync(join(ROOT, "templates", "slack.hbs"), "utf8");
const ENV = {
  SLACK_URL: "https://hooks.slack.com/services/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",
  HERALD_KEY_CI: testKey("cli-ci-key"),
};

// Each run of a command opens the embedded store: PGlite's first start alone takes 10-30 s.
describe("herald config", { timeout: 300_000 }, () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "herald-config-cli-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("applies a file, then plans no changes, and exports the store as a file", async () => {
    const file = writeConfig(CONFIG, { "slack.hbs": SLACK_TEMPLATE });
    const applied = await herald(["config", "apply", "--file", file], dataDir, ENV);
    expect(applied.stdout).toContain(`Applied ${file}:`);
    expect(applied.stdout).toContain("  + siem-qradar: create (cef to qradar.internal:514)");
    expect(applied.stdout).toContain("  + ci: create (ingest)");
    expect(applied.stdout).toContain("3 created, 0 updated, 0 deleted.");
    expect(applied.stdout).not.toContain(ENV.HERALD_KEY_CI);

    const planned = await herald(["config", "plan"], dataDir, { ...ENV, HERALD_CONFIG: file });
    expect(planned.stdout).toContain(`No changes: the store matches ${file}.`);

    const exported = await herald(["config", "export"], dataDir);
    expect(exported.stdout).toContain(`url: \${HERALD_WEBHOOK_SLACK_SOC_URL}`);
    expect(exported.stdout).toContain(`key: \${HERALD_KEY_CI}`);
    expect(exported.stdout).not.toContain(ENV.SLACK_URL);
  });

  it("refuses a broken file with its path and line, without opening the store", async () => {
    const file = writeConfig(CONFIG.replace("format: cef", "format: cef\n    retry_count: 99"), {
      "slack.hbs": SLACK_TEMPLATE,
    });
    const failed = await failure(["config", "apply", "--file", file], dataDir, ENV);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`^herald: ${file}:7: webhooks\\[0\\]\\.retry_count: `));
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(false);

    const unset = await failure(["config", "plan", "--file", file], dataDir, { HERALD_KEY_CI: "" });
    expect(unset.stderr).toContain(
      `${file}:10: webhooks[1].url: \${SLACK_URL}: the environment variable SLACK_URL is not set`,
    );
  });

  it("says what is wrong with the command line", async () => {
    expect((await failure(["config"], dataDir)).stderr).toContain("needs an action: plan, apply or export");
    const noFile = await failure(["config", "plan"], dataDir);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("plan needs a config file: --file <herald.yaml>, or HERALD_CONFIG");
    const out = await failure(["config", "apply", "--file", "x.yaml", "--out", "y.yaml"], dataDir);
    expect(out.stderr).toContain("--out is for export: apply prints to stdout");
    expect((await herald(["config", "--help"], dataDir)).stdout).toContain(
      "herald config plan --file herald.yaml",
    );
  });

  it("is applied when the server starts, and refused beside it on the embedded store", async () => {
    const file = writeConfig(CONFIG, { "slack.hbs": SLACK_TEMPLATE });
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const server = spawn(process.execPath, heraldArgs(["serve"]), {
      cwd: ROOT,
      env: {
        ...process.env,
        ...ENV,
        HERALD_DATA_DIR: dataDir,
        HERALD_CONFIG: file,
        PORT: String(port),
        HOST: "127.0.0.1",
        HERALD_ADMIN_TOKEN: "",
      },
    });
    try {
      const output = await waitForOutput(server, /herald is listening/);
      expect(output).toContain(`${file} applied: 3 created, 0 updated, 0 deleted.`);
      expect(output).toContain('"changes":["+ siem-qradar: create (cef to qradar.internal:514)"');
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/webhooks`, {
        headers: { authorization: `Bearer ${ENV.HERALD_KEY_CI}` },
      });
      expect(response.status).toBe(403);

      const beside = await failure(["config", "plan", "--file", file], dataDir, ENV);
      expect(beside.code).toBe(1);
      expect(beside.stderr).toContain(
        `the data directory ${dataDir} is in use by Herald process ${server.pid}`,
      );
      expect(beside.stderr).toContain("restart it with HERALD_CONFIG set");
    } finally {
      server.kill("SIGKILL");
    }
  });
});
