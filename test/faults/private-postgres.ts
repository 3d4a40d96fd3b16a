import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../support/herald-process";

const run = promisify(execFile);

/**
 * A PostgreSQL server of one test's own, in a temporary directory on a free port: it can be
 * stopped and started under Herald without disturbing the shared server other test files use.
 */
export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** Stops the server at once, as a crash would (`pg_ctl stop -m immediate`). */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** Stops it if it runs and deletes its files. */
  remove(): Promise<void>;
}

/** The newest installed server's binaries (Debian: /usr/lib/postgresql/<version>/bin). */
function binaries(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  return join("/usr/lib/postgresql", versions[0] as string, "bin");
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binaries();
  const dir = mkdtempSync(join(tmpdir(), "herald-fault-pg-"));
  const dataDir = join(dir, "data");
  // The server refuses to run as root: as root, its programs run as the postgres user, who owns the directory.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const ids = async (flag: string) => Number((await run("id", [flag, "postgres"])).stdout.trim());
    chownSync(dir, await ids("-u"), await ids("-g"));
  }
  const postgresTool = (name: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", join(bin, name), ...args]) : run(join(bin, name), args);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`;
  const pgCtl = (...args: string[]) => postgresTool("pg_ctl", ["-D", dataDir, "-w", ...args]);
  const start = async () => void (await pgCtl("-l", join(dir, "server.log"), "-o", options, "start"));

  await postgresTool("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "--no-sync"]);
  await start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async crash() {
      await pgCtl("-m", "immediate", "stop");
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async remove() {
      if (running) await pgCtl("-m", "immediate", "stop").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
