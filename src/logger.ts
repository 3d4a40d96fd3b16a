import pino, { type DestinationStream } from "pino";
import pretty from "pino-pretty";

export type LogFields = Record<string, unknown>;

/**
 * Where Herald says what it does: a message and structured fields (snake_case, like the API's
 * names). A child carries its bindings (a request id, a delivery's ids) on every line it writes.
 * Herald's own small interface rather than pino's: pino takes the fields first and the message
 * second, and `pino.info("text", fields)` silently drops the fields; this one cannot be misused
 * so, and a test can stand in for it with a few lines.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Whether a line at `level` is written: a caller can skip working out fields nobody reads. */
  enabled(level: "debug" | "info" | "warn" | "error"): boolean;
  child(bindings: LogFields): Logger;
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const MASK = "********";

/**
 * A last guard: values under these names are masked wherever a caller put them. Herald never
 * logs them on purpose (a webhook's secrets, a key, an Authorization header).
 */
const SECRET_FIELDS = ["authorization", "password", "token", "secret", "key", "routing_key"];

/**
 * Herald's logger: one JSON object per line, `level` as a word, `time` in ISO 8601, `message`
 * before the fields. Lines go to `destination`, by default stderr (stdout is the output of the
 * CLI's commands), and are pretty-printed when stderr is a terminal.
 */
export function createLogger(level: LogLevel, destination: DestinationStream = stderrDestination()): Logger {
  const logger = pino(
    {
      level,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: SECRET_FIELDS.flatMap((name) => [name, `*.${name}`]), censor: MASK },
    },
    destination,
  );
  return wrap(logger);
}

function wrap(logger: pino.Logger): Logger {
  // The message goes into the object first, so that it comes before the fields on the line. Below
  // the level nothing is copied; a caller whose fields cost something to build asks `enabled`
  // first (a delivered attempt is logged at debug, thousands a second).
  const at = (level: "debug" | "info" | "warn" | "error") => (message: string, fields?: LogFields) => {
    if (logger.isLevelEnabled(level)) logger[level]({ message, ...fields });
  };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    enabled: (level) => logger.isLevelEnabled(level),
    child: (bindings) => wrap(logger.child(bindings)),
  };
}

/**
 * stderr: JSON lines, or for a person at a terminal one coloured line per entry. Written
 * synchronously, so that a line logged just before the process exits is not lost.
 */
function stderrDestination(): DestinationStream {
  if (!process.stderr.isTTY) return pino.destination({ fd: 2, sync: true });
  return pretty({
    destination: 2,
    sync: true,
    colorize: true,
    singleLine: true,
    messageKey: "message",
    ignore: "pid,hostname",
  });
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  enabled: () => false,
  child: () => silentLogger,
};
