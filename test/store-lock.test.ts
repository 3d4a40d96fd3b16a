import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirLockedError, LOCK_FILE_NAME, lockDataDir } from "../src/store/data-dir-lock";
import { heraldArgs, ROOT } from "./support/cli";

const run = promisify(execFile);

/** `herald <args>` as a user runs it against the embedded store in `dataDir`; never throws. */
async function herald(args: string[], dataDir: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, heraldArgs(args), {
      cwd: ROOT,
      env: { ...process.env, HERALD_DATA_DIR: dataDir, HERALD_ADMIN_TOKEN: "", ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

interface RunningServer {
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** `herald serve` on a port of the system's choosing, read back from its "listening" log line. */
async function startServer(dataDir: string): Promise<RunningServer> {
  const child = spawn(process.execPath, heraldArgs(["serve"]), {
    cwd: ROOT,
    env: { ...process.env, HERALD_DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", HERALD_ADMIN_TOKEN: "" },
  });
  let output = "";
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const bound = /"message":"herald is listening","address":"([^"]+)"/.exec(output)?.[1];
      if (bound) {
        clearTimeout(timer);
        resolve(bound);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return { process: child, url: `http://${address}`, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once("exit", r));
}

async function postEvents(server: RunningServer, key: string, ids: string[]) {
  const response = await fetch(`${server.url}/api/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(ids.map((id) => ({ id, type: "auto_ban", source: "lock-test", data: { id } }))),
  });
  return { status: response.status, body: (await response.json()) as { data: { duplicate: boolean }[] } };
}

// Each test starts real processes on a fresh embedded store: PGlite's first start alone takes 10-30 s.
describe("one Herald process per embedded store", { timeout: 180_000 }, () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "herald-lock-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("refuses every store command beside a running server, and loses nothing acknowledged across kill -9", async () => {
    const server = await startServer(dataDir);
    try {
      const key = /(hk_[A-Za-z0-9_-]{43})/.exec(server.output())?.[1] as string;
      expect(server.output()).toContain(`creating the embedded store in ${dataDir}`);
      const pid = String(server.process.pid);
      for (const args of [
        ["keys", "create", "--role", "viewer", "--name", "ci"],
        ["keys", "list"],
        ["keys", "revoke", "00000000-0000-4000-8000-000000000000"],
        ["migrate"],
        ["serve"],
      ]) {
        const refused = await herald(args, dataDir, { PORT: "0" });
        expect(refused.code, args.join(" ")).toBe(1);
        expect(refused.stderr).toContain(`the data directory ${dataDir} is in use by Herald process ${pid}`);
        if (args[0] === "keys") expect(refused.stderr).toContain("POST, GET or DELETE /api/v1/keys");
      }

      const ids = Array.from({ length: 50 }, (_, i) => `kill-9-${i}`);
      const accepted = await postEvents(server, key, ids);
      expect(accepted.status).toBe(202);
      expect(accepted.body.data.every((event) => !event.duplicate)).toBe(true);
      server.process.kill("SIGKILL");
      await exited(server.process);

      const restarted = await startServer(dataDir);
      try {
        expect(restarted.output()).toContain(`took over the lock of Herald process ${pid}`);
        const again = await postEvents(restarted, key, ids);
        expect(again.status).toBe(202);
        expect(again.body.data.every((event) => event.duplicate)).toBe(true);
      } finally {
        restarted.process.kill("SIGTERM");
        expect(await exited(restarted.process)).toBe(0);
      }
      expect(() => readFileSync(join(dataDir, LOCK_FILE_NAME))).toThrow(/ENOENT/);
    } finally {
      server.process.kill("SIGKILL");
    }
  });

  it("says so, naming the directory, when the store cannot be opened", async () => {
    mkdirSync(join(dataDir, "global"), { recursive: true });
    writeFileSync(join(dataDir, "PG_VERSION"), "17\n");
    writeFileSync(join(dataDir, "global", "pg_control"), "not a control file");
    const failed = await herald(["migrate"], dataDir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`cannot open the embedded store in ${dataDir}`);
    expect(failed.stderr).toMatch(/most likely damaged/);
    expect(() => readFileSync(join(dataDir, LOCK_FILE_NAME))).toThrow(/ENOENT/);
  });

  it("says so, naming the directory, when the store's files cannot be created", async () => {
    // initdb makes a directory "base": a file of that name is in its way.
    writeFileSync(join(dataDir, "base"), "in the way");
    const failed = await herald(["migrate"], dataDir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      `cannot create the embedded store in ${dataDir}: PostgreSQL's initdb failed`,
    );
    expect(() => readFileSync(join(dataDir, LOCK_FILE_NAME))).toThrow(/ENOENT/);
  });
});

describe("the data directory lock", () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "herald-lockfile-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const writeLock = (owner: object) => writeFileSync(join(dataDir, LOCK_FILE_NAME), JSON.stringify(owner));

  it("is refused to a second holder in the same process, and free again once released", () => {
    const lock = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    lock.release();
    lockDataDir(dataDir).release();
  });

  it("is refused while the process named in it runs", async () => {
    const sleeper = spawn("sleep", ["30"]);
    try {
      writeLock({ pid: sleeper.pid, hostname: (await import("node:os")).hostname(), since: "x", token: "t" });
      expect(() => lockDataDir(dataDir)).toThrow(`in use by Herald process ${sleeper.pid}`);
    } finally {
      sleeper.kill();
    }
  });

  it("is taken over from a process that is gone, and from a pid now used by another process", async () => {
    const { hostname } = await import("node:os");
    const gone = spawn("true");
    await exited(gone);
    writeLock({ pid: gone.pid, hostname: hostname(), since: "x", token: "t" });
    const first = lockDataDir(dataDir);
    expect(first.tookOverFrom?.pid).toBe(gone.pid);
    first.release();

    // Our own pid with another start time: a previous Herald that had the same pid (a container's pid 1).
    writeLock({ pid: process.pid, hostname: hostname(), since: "x", processStart: "1", token: "t" });
    const second = lockDataDir(dataDir);
    expect(second.tookOverFrom?.pid).toBe(process.pid);
    second.release();
  });

  it("treats a file that is not a lock as stale", () => {
    writeFileSync(join(dataDir, LOCK_FILE_NAME), "garbage");
    lockDataDir(dataDir).release();
  });
});
