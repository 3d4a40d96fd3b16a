import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { sql } from "drizzle-orm";
import { describeError } from "../errors";
import type { Logger } from "../logger";
import { type LockSession, queryRows, type Store } from "./db";
import { handBackClaims } from "./queue";
import { workers } from "./schema";

/**
 * This process as a worker on the store: the id it writes on the deliveries it claims, and the
 * sweep that hands back the claims of workers that are gone, so that they go out again at once
 * instead of when their lease runs out.
 */
export interface Worker {
  id: string;
  /** Hands back the claims of gone workers; answers how many deliveries went back. */
  reclaimFromGone(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Registers this process as a worker.
 * - The embedded store belongs to one process: every claim found in it is a previous run's, which
 *   ended without recording it (killed, or crashed), so the first sweep hands them all back.
 * - On PostgreSQL each worker has a row in `workers` and holds a session advisory lock on its
 *   `lock_key` while its process lives; PostgreSQL drops the lock when the process or its
 *   connection dies. A sweep tries every other worker's lock: one it can take belongs to a gone
 *   worker, whose claims it hands back before deleting its row. Claims naming no registered
 *   worker are handed back too.
 */
export async function startWorker(store: Store, log: Logger): Promise<Worker> {
  const id = randomUUID();
  const { db } = store;
  if (store.lockSession() === null) {
    return {
      id,
      reclaimFromGone: () =>
        handBackClaims(
          db,
          sql`d.claimed_by <> ${id}::uuid`,
          "handed back unanswered: Herald stopped before it recorded an answer (killed, or crashed); the receiver may have received it",
        ),
      close: async () => {},
    };
  }

  let session: LockSession | undefined;
  let lockKey = 0;
  async function register() {
    await session?.release().catch(() => {});
    session = (await store.lockSession()) as LockSession;
    const [row] = await queryRows<{ lock_key: number }>(
      db,
      sql`insert into ${workers} (id, host, pid) values (${id}, ${hostname()}, ${process.pid})
          on conflict (id) do update set host = excluded.host
          returning lock_key`,
    );
    lockKey = (row as { lock_key: number }).lock_key;
    await session.lock(lockKey);
  }

  /** Whether this worker still holds its own lock (its connection may have dropped). */
  async function stillRegistered(): Promise<boolean> {
    try {
      // Re-entrant: true while this session holds it; the extra hold is given back at once.
      if (!(await session?.tryLock(lockKey))) return false;
      await session?.unlock(lockKey);
      const [row] = await queryRows<{ found: boolean }>(
        db,
        sql`select exists (select 1 from ${workers} where id = ${id}) as found`,
      );
      return row?.found === true;
    } catch {
      return false;
    }
  }

  await register();
  return {
    id,
    async reclaimFromGone() {
      if (!(await stillRegistered())) {
        log.warn("this worker lost its registration (its lock connection dropped): registering again");
        await register();
      }
      const others = await queryRows<{ id: string; lock_key: number }>(
        db,
        sql`select id, lock_key from ${workers} where id <> ${id}`,
      );
      let handedBack = 0;
      for (const other of others) {
        if (!(await (session as LockSession).tryLock(other.lock_key))) continue;
        try {
          handedBack += await handBackClaims(
            db,
            sql`d.claimed_by = ${other.id}::uuid`,
            "handed back unanswered: the Herald process that claimed it is gone (killed, or its database session ended); the receiver may have received it",
          );
          await db.execute(sql`delete from ${workers} where id = ${other.id}`);
          log.info("a worker is gone: its claims were handed back", {
            worker: other.id,
            deliveries: handedBack,
          });
        } finally {
          await (session as LockSession).unlock(other.lock_key);
        }
      }
      // Claims of a worker with no row: its row was removed (it was taken for gone) before it died.
      handedBack += await handBackClaims(
        db,
        sql`not exists (select 1 from ${workers} w where w.id = d.claimed_by)`,
        "handed back unanswered: the Herald process that claimed it is no longer registered; the receiver may have received it",
      );
      return handedBack;
    },
    async close() {
      try {
        await db.execute(sql`delete from ${workers} where id = ${id}`);
      } catch (error) {
        log.warn("could not unregister this worker", { error: describeError(error) });
      }
      await session?.release();
    },
  };
}
