import { readFileSync } from "node:fs";
import { z } from "zod";
import { fieldAliasesSchema } from "./formats/key-fields";
import { LOG_LEVELS } from "./logger";

const flag = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])])
  .transform((value) => value === true || value === "true" || value === "1" || value === "yes");

const seconds = z.coerce.number().nonnegative();

const cidrList = z
  .union([z.array(z.string()), z.string().transform((text) => text.split(",").map((part) => part.trim()))])
  .transform((list) => list.filter((cidr) => cidr !== ""))
  .default([]);

const jsonObject = z.union([
  z.record(z.string(), z.string()),
  z.string().transform((text, ctx) => {
    try {
      return z.record(z.string(), z.string()).parse(JSON.parse(text));
    } catch {
      ctx.addIssue({ code: "custom", message: 'must be a JSON object of {"type": "description"}' });
      return z.NEVER;
    }
  }),
]);

/** HERALD_FIELD_ALIASES: a JSON object (or, in the config file, an object) of meaning → field names. */
const fieldAliases = z.unknown().transform((value, ctx) => {
  const example = 'a JSON object like {"source_ip": ["my_src"]}';
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `is not JSON (${(error as Error).message}); write ${example}`,
      });
      return z.NEVER;
    }
  }
  const result = fieldAliasesSchema.safeParse(parsed);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    ctx.addIssue({ code: "custom", message: `${where}${issue.message}; write ${example}` });
  }
  return z.NEVER;
});

/**
 * Every setting, by the name of its environment variable. A JSON file named by HERALD_CONFIG_FILE
 * may hold the same names; the environment wins over the file.
 */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("0.0.0.0"),
  /** Where the embedded PGlite store keeps its files. */
  HERALD_DATA_DIR: z.string().default("./data"),
  /** postgres://… to use a PostgreSQL server instead of the embedded store. */
  DATABASE_URL: z.string().optional(),
  HERALD_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** A bootstrap admin key, accepted as it is (never stored). */
  HERALD_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Failed authentications (missing or unknown key) one client address may make before it gets 429. */
  HERALD_AUTH_FAILURES_BURST: z.coerce.number().int().min(1).max(100_000).default(20),
  /** How fast a client address earns back failed authentications once it has used its burst. */
  HERALD_AUTH_FAILURES_PER_MINUTE: z.coerce.number().positive().max(60_000).default(60),
  /** Behind a reverse proxy: the client address is the last one in X-Forwarded-For, not the socket's. */
  HERALD_TRUST_PROXY: flag.default(false),
  /** A directory whose <format>.hbs files replace the built-in default templates. */
  HERALD_TEMPLATES_DIR: z.string().optional(),
  /** Extra event types for the catalog: {"type": "description"}. */
  HERALD_EVENT_TYPES: jsonObject.default({}),
  /** A YAML file declaring webhooks, event types and API keys, applied at start (herald config apply). */
  HERALD_CONFIG: z.string().optional(),
  /** Reject events whose type is not in the catalog (422) instead of passing them to wildcard subscribers. */
  HERALD_STRICT_EVENT_TYPES: flag.default(false),
  /** Requests in flight at once in this process (a batch or a digest of many deliveries is one). */
  HERALD_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(512),
  /** Deliveries claimed from the queue in one query. */
  HERALD_CLAIM_BATCH: z.coerce.number().int().min(1).max(5_000).default(500),
  /** How often an idle worker looks for due deliveries (ingest in the same process wakes it at once). */
  HERALD_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(250),
  /**
   * How often a process looks for Herald processes that are gone (PostgreSQL), to hand their
   * claimed deliveries back at once rather than when their lease runs out.
   */
  HERALD_WORKER_SWEEP_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  /** How long a claimed delivery stays with its worker before another may take it (a crashed worker's). */
  HERALD_LEASE_MS: z.coerce
    .number()
    .int()
    .min(35_000, "must be at least 35000: longer than the longest send (timeout_ms is at most 30000)")
    .default(90_000),
  /** Seconds before retry 1, 2, …: each gets ±20 % jitter; the last one repeats. */
  HERALD_RETRY_SCHEDULE: z
    .string()
    .default("5,30,120,600,1800,3600,7200,14400,28800,43200")
    .transform((text) => text.split(",").map((part) => Number(part.trim())))
    .refine((list) => list.length > 0 && list.every((n) => Number.isFinite(n) && n >= 0), {
      message: "must be a comma-separated list of seconds",
    }),
  /** The longest Retry-After Herald honours, in seconds; a longer one is cut to this. */
  HERALD_RETRY_AFTER_MAX_S: seconds.default(3600),
  /** Consecutive failed attempts after which a webhook is deactivated; 0 never deactivates. */
  HERALD_FAILURE_THRESHOLD: z.coerce.number().int().min(0).default(50),
  /** herald.queue.backlog is emitted when a webhook's oldest queued delivery is older than this; 0: never. */
  HERALD_BACKLOG_ALERT_S: seconds.default(900),
  /** Finished deliveries (with their attempts) and events older than this many days are pruned; 0 keeps all. */
  HERALD_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  /** How often the pruning runs. */
  HERALD_RETENTION_EVERY_S: z.coerce.number().int().min(10).max(86_400).default(3600),
  /** A delivery not sent within this many seconds of its event's arrival is discarded; 0 keeps it forever. */
  HERALD_MAX_DELIVERY_AGE_S: seconds.default(7 * 24 * 3600),
  /** CIDRs webhooks may never reach, e.g. "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16" (metadata and link-local always are). */
  HERALD_EGRESS_DENY: cidrList,
  /** When set, the only CIDRs webhooks may reach (the deny list still applies). */
  HERALD_EGRESS_ALLOW: cidrList,
  /** Request bodies larger than this get 413, read no further than the limit. */
  HERALD_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(100 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  /**
   * How far the heap may grow past its live data before a full collection, in percent
   * (src/heap-growth.ts); 0 leaves it to V8 (or to node's --heap-growing-percent), which lets it
   * grow up to 300 % when collections are quick. It takes the place of V8's choice whatever the
   * memory left, so it stays within V8's own range.
   */
  HERALD_HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(300).default(50),
  /** Threads that compile and render templates, off the thread that answers requests. */
  HERALD_RENDER_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
  /**
   * A render stops after this long and fails (a delivery's is retried); a worker stuck past 4x
   * this (at least 2 s) is replaced.
   */
  HERALD_RENDER_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /** The largest payload one render may produce; a larger one fails. */
  HERALD_MAX_RENDER_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /**
   * Field names to add to the key fields the human formats show first, by meaning:
   * {"source_ip": ["my_src"], "user": ["principal"]}. The meanings are those of src/formats/key-fields.ts.
   */
  HERALD_FIELD_ALIASES: fieldAliases.default({}),
  /** When set, GET /metrics without a key on this port too (a listener of its own); 0 picks a free port. */
  HERALD_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The address the metrics listener binds to. */
  HERALD_METRICS_HOST: z.string().default("127.0.0.1"),
  /** On SIGTERM, how long in-flight deliveries may take to finish before they are released. */
  HERALD_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** The least severe log lines written (one JSON object per line on stderr); any case. */
  HERALD_LOG_LEVEL: z
    .string()
    .transform((level) => level.toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }))
    .default("info"),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  let fromFile: Record<string, unknown> = {};
  if (env.HERALD_CONFIG_FILE) {
    try {
      fromFile = JSON.parse(readFileSync(env.HERALD_CONFIG_FILE, "utf8"));
    } catch (error) {
      throw new ConfigError(
        `HERALD_CONFIG_FILE: cannot read ${env.HERALD_CONFIG_FILE}: ${(error as Error).message}`,
      );
    }
  }
  const fromEnv = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = configSchema.safeParse({ ...fromFile, ...fromEnv });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}
