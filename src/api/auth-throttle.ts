import { isIP } from "node:net";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "../logger";
import { AuthenticationFailure } from "./auth";
import type { ApiDeps, AppEnv } from "./deps";
import { errorBody } from "./error-answers";

/** The most client addresses whose failures are remembered; past it, the longest quiet are forgotten. */
export const MAX_TRACKED_ADDRESSES = 100_000;

/**
 * A token bucket of failed authentications per client address. A request takes a try before its
 * key is checked, and gives it back when the key was good: so concurrent guesses cannot all pass
 * the check before the first of them fails, and good keys cost nothing.
 */
export interface FailureLimiter {
  /**
   * Takes one try from `address`. `waitSeconds`: 0 when it had one, else the whole seconds until
   * it has; `lastTry`: the one taken was the last for now.
   */
  take(address: string): { waitSeconds: number; lastTry: boolean };
  /** Returns a try taken for a request that did not fail. */
  giveBack(address: string): void;
  /** How many addresses are remembered: only those with tries spent. */
  tracked(): number;
}

export function createFailureLimiter(options: {
  burst: number;
  perMinute: number;
  nowMs: () => number;
  maxAddresses?: number;
}): FailureLimiter {
  const { burst, nowMs, maxAddresses = MAX_TRACKED_ADDRESSES } = options;
  const perMs = options.perMinute / 60_000;
  // Insertion order is the order of last use: the first entry is the longest-quiet address.
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const store = (address: string, tokens: number, atMs: number) => {
    buckets.delete(address);
    // A full bucket is what an address never seen has: nothing to remember.
    if (tokens >= burst) return;
    buckets.set(address, { tokens, atMs });
    if (buckets.size > maxAddresses) forgetLongestQuiet();
  };
  // A tenth at a time: a Map leaves holes where entries were deleted at its front, and each new
  // iterator walks past them, so dropping one entry per insertion would cost time in proportion
  // to the holes.
  const forgetLongestQuiet = () => {
    let excess = buckets.size - Math.floor(maxAddresses * 0.9);
    for (const address of buckets.keys()) {
      if (excess-- <= 0) break;
      buckets.delete(address);
    }
  };
  const tokensOf = (address: string, now: number) => {
    const bucket = buckets.get(address);
    return bucket ? Math.min(burst, bucket.tokens + (now - bucket.atMs) * perMs) : burst;
  };
  return {
    take(address) {
      const now = nowMs();
      const tokens = tokensOf(address, now);
      if (tokens < 1) return { waitSeconds: Math.ceil((1 - tokens) / perMs / 1000), lastTry: false };
      store(address, tokens - 1, now);
      return { waitSeconds: 0, lastTry: tokens < 2 };
    },
    giveBack(address) {
      const now = nowMs();
      store(address, tokensOf(address, now) + 1, now);
    },
    tracked: () => buckets.size,
  };
}

/**
 * The bucket an address counts against: an IPv4 address (also one written as IPv4-mapped IPv6)
 * as it is, an IPv6 address by its /64, since one host is commonly given a whole /64 and could
 * otherwise take a fresh address for every guess.
 */
export function addressGroup(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIP(address) !== 6) return address;
  const [head = "", tail] = address.split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros: string[] = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  const prefix = [...left, ...zeros, ...right].slice(0, 4);
  return `${prefix.map((group) => group.toLowerCase().replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * The client's address: the socket's peer, or, when the operator says a reverse proxy is in front
 * (HERALD_TRUST_PROXY), the last address in X-Forwarded-For: the one that proxy appended. Earlier
 * entries are whatever the client sent, so they are never believed.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded && isIP(forwarded)) return forwarded;
  }
  return getConnInfo(c).remote.address ?? "unknown";
}

/**
 * Limits failed authentications per client address; install it just before every `authenticate`.
 * Once an address has used its burst of failures it gets 429 with Retry-After BEFORE its key is
 * looked at, a good key too: answering a good key differently from a bad one while throttled would
 * let the caller keep guessing at full speed (200 against 429 is the answer to the guess). The
 * price is that clients sharing an address with an attacker (a NAT, or every client behind a proxy
 * without HERALD_TRUST_PROXY) wait with it. Good keys are never counted, so they never throttle.
 */
export function throttleFailedAuthentication(deps: ApiDeps, log: Logger): MiddlewareHandler<AppEnv> {
  const { config, metrics, now } = deps;
  const limiter = createFailureLimiter({
    burst: config.HERALD_AUTH_FAILURES_BURST,
    perMinute: config.HERALD_AUTH_FAILURES_PER_MINUTE,
    nowMs: () => now().getTime(),
  });
  return async (c, next) => {
    const address = addressGroup(clientAddress(c, config.HERALD_TRUST_PROXY));
    const { waitSeconds, lastTry } = limiter.take(address);
    if (waitSeconds > 0) {
      metrics.auth.throttled();
      const message = `Too many failed attempts; try again in ${waitSeconds} s`;
      return c.json(errorBody("too_many_requests", message, { retry_after: waitSeconds }), 429, {
        "Retry-After": String(waitSeconds),
      });
    }
    try {
      await next();
    } finally {
      // authenticate threw it, and error-answers has already turned it into the 401.
      const failure = c.error instanceof AuthenticationFailure ? c.error : undefined;
      if (!failure) limiter.giveBack(address);
      else {
        metrics.auth.failed(failure.reason);
        // Once per exhausted bucket, with the address an operator may want to block upstream.
        if (lastTry)
          log.warn("authentication failures: client address throttled", { client_address: address });
      }
    }
  };
}
