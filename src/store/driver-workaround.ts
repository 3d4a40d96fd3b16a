import { describeError } from "../errors";
import type { Logger } from "../logger";

/**
 * Whether `error` is the `postgres` driver's write to a connection already closed
 * (porsager/postgres#1154, #1208; fixes proposed in #1168, #1176, #1209, none released as of
 * 3.4.9): when the server drops a connection, a timer inside the driver may still write to its
 * socket, and throws where no caller can catch it.
 */
export function isClosedConnectionWrite(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    error.message.includes("reading 'write'") &&
    /[\\/]postgres[\\/](src|cjs[\\/]src)[\\/]connection\.js/.test(error.stack ?? "")
  );
}

/**
 * Keeps a server process running through that one driver error: the connection is gone either
 * way, and the pool opens another (what the proposed fixes do by returning early). Any other
 * uncaught error still ends the process, as it would without this handler.
 */
export function surviveClosedConnectionWrites(log: Logger): void {
  process.on("uncaughtException", (error) => {
    if (isClosedConnectionWrite(error)) {
      log.warn("the database driver wrote to a connection already closed (porsager/postgres#1154): ignored");
      return;
    }
    process.stderr.write(`uncaught exception: ${error.stack ?? describeError(error)}\n`);
    process.exit(1);
  });
}
