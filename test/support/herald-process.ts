import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { ROOT, waitUntilReady } from "../../bench/process";

/**
 * A real Herald (`herald serve`) in a process of its own, for what only a process can show:
 * kill -9, SIGTERM, a restart on the same store, several processes on one database.
 */

export const PROCESS_ADMIN_TOKEN = "fault-admin-token-0123456789";

/** How a process ended: its exit code, or the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HeraldProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** The settings it was started with (its store, its port): a restart uses them again. */
  env: Record<string, string>;
  /** Resolves once the process has ended. */
  exited: Promise<Exit>;
  /** Whether the process is still running. */
  running(): boolean;
  /** Calls the API as admin; answers the status and the JSON body (null when empty or not JSON). */
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** kill -9: no shutdown, nothing flushed. */
  kill(): Promise<Exit>;
  /** SIGTERM: Herald's own shutdown (in-flight deliveries get HERALD_SHUTDOWN_GRACE_MS). */
  terminate(): Promise<Exit>;
  /** A new process with the same settings, once this one has ended. */
  restart(): Promise<HeraldProcess>;
  /** The last lines it printed (stdout and stderr), for a failing test's message. */
  output(): string;
}

/** What is kept of a process's output: enough for the lines around a failure. */
const OUTPUT_KEPT = 64 * 1024;

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `herald serve` with `env` (HERALD_DATA_DIR for PGlite or DATABASE_URL; PORT is picked
 * when not given) and waits until it answers /readyz.
 */
export async function startHeraldProcess(
  env: Record<string, string>,
  readyTimeoutMs = 90_000,
): Promise<HeraldProcess> {
  const settings = {
    HOST: "127.0.0.1",
    HERALD_ADMIN_TOKEN: PROCESS_ADMIN_TOKEN,
    ...env,
    PORT: env.PORT ?? String(await freePort()),
  };
  // As `npm start` runs it: bundled by src/launch.mjs.
  const child = spawn(process.execPath, [join(ROOT, "src/launch.mjs"), "serve"], {
    cwd: ROOT,
    env: { ...process.env, ...settings },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let printed = "";
  // Read all the time: a full pipe would block the process on its next log line.
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<Exit>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${settings.PORT}`;
  const handle = processHandle(child, url, settings, exited, () => printed);
  const endedEarly = exited.then((exit) => {
    throw new Error(`herald ended before it was ready (${describeExit(exit)}):\n${printed}`);
  });
  try {
    await Promise.race([waitUntilReady(`${url}/readyz`, readyTimeoutMs), endedEarly]);
  } catch (error) {
    await handle.kill();
    throw error;
  }
  endedEarly.catch(() => {});
  return handle;
}

function processHandle(
  child: ChildProcess,
  url: string,
  env: Record<string, string>,
  exited: Promise<Exit>,
  output: () => string,
): HeraldProcess {
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = (name: NodeJS.Signals) => {
    if (running()) child.kill(name);
    return exited;
  };
  return {
    url,
    pid: child.pid as number,
    env,
    exited,
    running,
    async api(method, path, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${PROCESS_ADMIN_TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      return { status: response.status, body: parsed };
    },
    kill: () => signal("SIGKILL"),
    terminate: () => signal("SIGTERM"),
    async restart() {
      await exited;
      return startHeraldProcess(env);
    },
    output,
  };
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
