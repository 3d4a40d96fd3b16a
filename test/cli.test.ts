import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const run = promisify(execFile);

/** `herald <args>` as a user runs it, against the embedded store in `dataDir`. */
function herald(args: string[], dataDir: string) {
  return run(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, HERALD_DATA_DIR: dataDir },
  });
}

async function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
  });
}

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
    const failed = await herald(["keys", "create", "--role", "root", "--name", "x"], dataDir).catch((e) => e);
    expect(failed.code).toBe(64);
    expect(failed.stderr).toMatch(/needs --role and --name/);
  });

  it("serves with a first admin key, answers health checks, and exits cleanly on SIGTERM", async () => {
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const server = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "serve"], {
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
      expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toEqual({ status: "ready" });
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
    expect(stdout).toContain("keys create");
  });

  it("says which setting is wrong", async () => {
    const failed = await run(process.execPath, ["--import", "tsx", "src/main.ts", "migrate"], {
      cwd: ROOT,
      env: { ...process.env, HERALD_DATA_DIR: dataDir, PORT: "http" },
    }).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/PORT: /);
  });
});
