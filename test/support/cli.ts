import { type ChildProcess, execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { inject } from "vitest";

/** The checkout's root: where `herald` runs (its working directory). */
export const ROOT = join(import.meta.dirname, "..", "..");
const run = promisify(execFile);

/**
 * Node's arguments for `herald <args>`: Herald bundled once for the run, as `npm start` runs it
 * (test/support/bundle-global.ts); through tsx, each process would compile the sources again.
 */
export function heraldArgs(args: string[]): string[] {
  return [join(inject("heraldBundle"), "main.mjs"), ...args];
}

/** `herald <args>` as a user runs it, against the embedded store in `dataDir`. */
export function herald(args: string[], dataDir: string, env: Record<string, string> = {}) {
  return run(process.execPath, heraldArgs(args), {
    cwd: ROOT,
    env: { ...process.env, HERALD_DATA_DIR: dataDir, HERALD_TEMPLATES_DIR: "", HERALD_CONFIG: "", ...env },
  });
}

/** A failed `herald` run, as execFile rejects with it: exit code and output. */
export function failure(args: string[], dataDir: string, env: Record<string, string> = {}) {
  return herald(args, dataDir, env).then(
    (result) => {
      throw new Error(`herald ${args.join(" ")} succeeded: ${result.stdout}`);
    },
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

/** Resolves with what a process wrote (stdout and stderr) once it matches `pattern`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
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
