import { randomBytes } from "node:crypto";
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/**
 * One Herald process per embedded store: PGlite is one PostgreSQL backend in the process that
 * opened it, and two processes writing one data directory lose acknowledged data and can leave
 * it unreadable. The lock is a file in the directory naming its owner; it is created atomically
 * (a complete file hard-linked into place), removed when the store closes, and taken over when
 * the process that left it is gone (killed, or the machine restarted).
 */

export const LOCK_FILE_NAME = "herald.lock";

export interface LockOwner {
  pid: number;
  hostname: string;
  /** When the owner took the lock (ISO 8601). */
  since: string;
  /** Linux: the owner's start time in clock ticks since boot, which tells a reused pid apart. */
  processStart?: string;
  /** Tells this lock apart from a later one of the same process. */
  token: string;
}

export interface DataDirLock {
  /** The previous owner when its lock was stale and has been taken over. */
  tookOverFrom?: LockOwner;
  /** Removes the lock file if it is still this lock's. */
  release(): void;
}

export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    const where = owner.hostname === hostname() ? "" : ` on host ${owner.hostname}`;
    super(
      `the data directory ${dataDir} is in use by Herald process ${owner.pid}${where} (since ${owner.since}); only one process may open an embedded store at a time`,
    );
  }
}

const TAKE_OVER_ATTEMPTS = 5;

/** Takes the lock of `dataDir` (which must exist), or throws DataDirLockedError naming the owner. */
export function lockDataDir(dataDir: string): DataDirLock {
  const lockPath = join(dataDir, LOCK_FILE_NAME);
  const me: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    since: new Date().toISOString(),
    processStart: processStartOf(process.pid),
    token: randomBytes(12).toString("hex"),
  };
  const myText = `${JSON.stringify(me)}\n`;
  let tookOverFrom: LockOwner | undefined;
  for (let attempt = 0; attempt < TAKE_OVER_ATTEMPTS; attempt++) {
    if (createExclusive(lockPath, myText)) {
      return { tookOverFrom, release: () => releaseIfMine(lockPath, myText) };
    }
    const staleText = readIfExists(lockPath);
    if (staleText === undefined) continue; // released between our two looks
    const owner = parseOwner(staleText);
    if (owner && isRunning(owner)) throw new DataDirLockedError(dataDir, owner);
    if (moveAsideIfUnchanged(lockPath, staleText)) tookOverFrom = owner;
  }
  throw new Error(`cannot take the lock ${lockPath}: other processes keep changing it`);
}

/** Writes the whole file beside, then links it into place: the lock never exists half-written. */
function createExclusive(lockPath: string, text: string): boolean {
  const temporary = `${lockPath}.${process.pid}.${randomBytes(6).toString("hex")}`;
  writeFileSync(temporary, text, { mode: 0o644 });
  try {
    linkSync(temporary, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * Removes a stale lock, unless another process replaced it since we read it: the rename moves
 * whatever is there now, so a fresh lock moved by mistake is linked back at once.
 */
function moveAsideIfUnchanged(lockPath: string, staleText: string): boolean {
  const aside = `${lockPath}.stale.${process.pid}.${randomBytes(6).toString("hex")}`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const moved = readFileSync(aside, "utf8");
  if (moved !== staleText) {
    try {
      linkSync(aside, lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  unlinkSync(aside);
  return moved === staleText;
}

function releaseIfMine(lockPath: string, myText: string): void {
  if (readIfExists(lockPath) === myText) unlinkSync(lockPath);
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The owner a lock file names; undefined for a file that is not a lock (treated as stale). */
function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.hostname === "string" ? owner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's owner still runs. A lock from another host cannot be checked and counts as
 * held. Here, the pid must exist and, where the start time can be read, be the same process: in
 * a container Herald is often pid 1 on every start, so its own pid in a lock proves nothing.
 */
function isRunning(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const start = processStartOf(owner.pid);
  if (start !== undefined && owner.processStart !== undefined) return start === owner.processStart;
  return owner.pid !== process.pid;
}

/** Field 22 of /proc/<pid>/stat (start time after boot); undefined where there is no /proc. */
function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
