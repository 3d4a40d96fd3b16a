import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMMANDS } from "../src/cli/commands";
import { openStore } from "../src/store/db";
import { insertWebhook } from "../src/store/webhooks";
import { failure, herald, heraldArgs, ROOT, waitForOutput } from "./support/cli";

// Each test starts real processes on a fresh embedded store: PGlite's first start alone takes 10-30 s.
describe("the herald command", { timeout: 180_000 }, () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "herald-cli-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("migrates, creates keys that are shown once, lists and revokes them", async () => {
    expect((await herald(["migrate"], dataDir)).stdout).toMatch(/migrations applied \(pglite\)/);
    const created = await herald(["keys", "create", "--role", "viewer", "--name", "ci"], dataDir);
    const key = created.stdout.trim();
    expect(key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/created viewer key "ci"/);
    const listed = (await herald(["keys", "list"], dataDir)).stdout;
    expect(listed).toMatch(/viewer\s+hk_\S+…\s+ci/);
    expect(listed).not.toContain(key);
    const id = listed.trim().split(/\s+/)[0] as string;
    expect((await herald(["keys", "revoke", id], dataDir)).stdout).toContain(`revoked ${id}`);
    expect((await herald(["keys", "list"], dataDir)).stdout.trim()).toBe("");
  });

  it("rejects a bad role with a usage message", async () => {
    const failed = await failure(["keys", "create", "--role", "root", "--name", "x"], dataDir);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/create needs --role <admin\|viewer\|ingest> and --name <name>/);
    expect(failed.stderr).toContain("herald keys --help");
  });

  it("serves with a first admin key, answers health checks, and exits cleanly on SIGTERM", async () => {
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const server = spawn(process.execPath, heraldArgs(["serve"]), {
      cwd: ROOT,
      env: {
        ...process.env,
        HERALD_DATA_DIR: dataDir,
        PORT: String(port),
        HOST: "127.0.0.1",
        HERALD_ADMIN_TOKEN: "",
      },
    });
    try {
      const output = await waitForOutput(server, /herald is listening/);
      expect(output).toContain("applying database migrations");
      expect(output).toContain(`"address":"127.0.0.1:${port}"`);
      const key = /(hk_[A-Za-z0-9_-]{43})/.exec(output)?.[1];
      expect(key).toBeDefined();
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toMatchObject({
        status: "ready",
      });
      const webhooks = await fetch(`http://127.0.0.1:${port}/api/v1/webhooks`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(webhooks.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      server.kill("SIGKILL");
    }
  });

  it("prints its help and exits when given no command", async () => {
    const { stdout } = await herald([], dataDir);
    expect(stdout).toMatch(/^Usage: herald <command>/);
    expect(stdout).toContain("herald <command> --help");
  });

  it("lists every command, one line each, for --help, -h and help", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const { stdout } = await herald(args, dataDir);
      for (const command of COMMANDS) {
        expect(stdout).toMatch(
          new RegExp(`^  ${command.name} +${command.summary.replace(/[()]/g, "\\$&")}$`, "m"),
        );
      }
    }
  });

  it("prints a command's usage with every flag and an example", async () => {
    const keys = (await herald(["keys", "--help"], dataDir)).stdout;
    expect(keys).toMatch(/^Usage: herald keys create --role <admin\|viewer\|ingest> --name <name>/);
    for (const flag of ["--role <admin|viewer|ingest>", "--name <name>", "-h, --help"])
      expect(keys).toContain(flag);
    expect(keys).toContain("herald keys create --role viewer --name ci");
    const render = (await herald(["render", "--help"], dataDir)).stdout;
    for (const flag of [
      "--format <name>",
      "--event <file.json>",
      "--template <file.hbs>",
      "--options <json>",
      "--url <url>",
    ]) {
      expect(render).toContain(flag);
    }
    expect(render).toMatch(/Example:\n {2}herald render --format cef --event event\.json/);
    expect((await herald(["help", "render"], dataDir)).stdout).toBe(render);
  });

  it("exits 2 on an unknown flag or command, with the closest one and where to get help", async () => {
    const flag = await failure(["render", "--formt", "cef"], dataDir);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown flag --formt; did you mean --format?");
    expect(flag.stderr).toContain("herald render --help");
    const command = await failure(["mgirate"], dataDir);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "mgirate"; did you mean migrate?');
    expect(command.stderr).toContain("herald --help");
    const action = await failure(["keys", "lsit"], dataDir);
    expect(action.code).toBe(2);
    expect(action.stderr).toContain('no action "lsit"; did you mean list?');
    const setting = await failure(["serve", "--port", "9000"], dataDir);
    expect(setting.code).toBe(2);
    expect(setting.stderr).toContain("unknown flag --port; settings come from the environment: PORT=");
  });

  it("doctor: all ok on a fresh data directory, before and after migrate", async () => {
    const fresh = await herald(["doctor"], join(dataDir, "data"));
    expect(fresh.stdout).toMatch(/^ok {4}configuration: /m);
    expect(fresh.stdout).toMatch(/^ok {4}egress: /m);
    expect(fresh.stdout).toMatch(/^ok {4}templates: /m);
    expect(fresh.stdout).toMatch(/^ok {4}database: no embedded store in .* yet/m);
    expect(fresh.stdout).toContain("all checks passed");
    await herald(["migrate"], dataDir);
    const { stdout } = await herald(["doctor"], dataDir);
    expect(stdout).toMatch(/^ok {4}database: the embedded store in .* answers$/m);
    expect(stdout).toMatch(/^ok {4}migrations: all \d+ applied$/m);
    expect(stdout).toMatch(/^ok {4}webhooks: none stored yet$/m);
    expect(stdout).not.toMatch(/^(FAIL|warn)/m);
  });

  it("doctor: exits 1 naming a broken template and a webhook whose host does not resolve", async () => {
    const templates = join(dataDir, "templates");
    mkdirSync(templates);
    writeFileSync(join(templates, "cef.hbs"), "CEF:0|{{#if}}");
    writeFileSync(join(templates, "json.hbs"), '{"type": {{json type}} }');
    writeFileSync(join(templates, "slak.hbs"), "{{title}}");
    const store = openStore({ dataDir: join(dataDir, "data") });
    await store.migrate();
    const webhook = {
      eventTypes: ["*"],
      eventsPolicy: "exclude" as const,
      minSeverity: "info",
      format: "json",
    };
    const sending = {
      method: "POST" as const,
      headers: {},
      timeoutMs: 5000,
      connectTimeoutMs: 2000,
      retryCount: 3,
    };
    for (const [name, url] of [
      ["ops", "https://nowhere.invalid/hook"],
      ["local", "http://127.0.0.1:9/hook"],
    ] as const) {
      await insertWebhook(store.db, {
        ...webhook,
        ...sending,
        name,
        url,
        options: {},
        destination: { kind: "http" },
        isActive: true,
      });
    }
    await store.close();

    const failed = await failure(["doctor", "--timeout", "2000"], join(dataDir, "data"), {
      HERALD_TEMPLATES_DIR: templates,
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^FAIL {2}templates: .*cef\.hbs: .*\(line 1, column \d+\) → fix it/m);
    expect(failed.stdout).toMatch(/^ok {4}templates: .*json\.hbs compiles for the json format$/m);
    expect(failed.stdout).toMatch(
      /^warn {2}templates: .*slak\.hbs: there is no format "slak".*did you mean slack\.hbs\?$/m,
    );
    expect(failed.stdout).toMatch(
      /^FAIL {2}webhook "ops" \(.*\): https:\/\/nowhere\.invalid: host nowhere\.invalid /m,
    );
    expect(failed.stdout).toMatch(/^ok {4}webhook "local" .*\(127\.0\.0\.1\)$/m);
    expect(failed.stdout).toContain("2 checks failed, 1 warning");
  });

  it("says which setting is wrong", async () => {
    const failed = await failure(["migrate"], dataDir, { PORT: "http" });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/PORT: /);
  });
});
