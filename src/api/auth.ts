import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AuthFailureReason } from "../metrics/auth";
import type { Db } from "../store/db";
import { findApiKey, type Role } from "../store/keys";
import type { AppEnv, Principal } from "./deps";

/** The 401 of a missing or unknown key, with its reason for the failure limiter and the metrics. */
export class AuthenticationFailure extends HTTPException {
  constructor(readonly reason: AuthFailureReason) {
    super(401, {
      message: reason === "unknown_key" ? "unknown API key" : "missing Authorization: Bearer <key> header",
    });
  }
}

function sameSecret(a: string, b: string): boolean {
  // Compare digests so the comparison takes the same time whatever the lengths.
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

async function principalFor(
  db: Db,
  key: string,
  adminToken: string | undefined,
): Promise<Principal | undefined> {
  if (adminToken && sameSecret(key, adminToken)) return { role: "admin", name: "bootstrap" };
  const row = await findApiKey(db, key);
  return row ? { role: row.role as Role, name: row.name } : undefined;
}

/**
 * Every /api request needs `Authorization: Bearer <key>`: 401 without a known key. Failures are
 * limited per client address by `throttleFailedAuthentication` (auth-throttle.ts), installed before.
 */
export function authenticate(db: Db, adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const principal = match?.[1] ? await principalFor(db, match[1], adminToken) : undefined;
    if (!principal) throw new AuthenticationFailure(match ? "unknown_key" : "missing_key");
    c.set("principal", principal);
    await next();
  };
}

/** What each role may do: admin everything, viewer read-only, ingest only posting events. */
export function allow(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { role } = c.get("principal");
    if (role !== "admin" && !roles.includes(role)) {
      throw new HTTPException(403, {
        message: `the ${role} role may not ${c.req.method} ${c.req.routePath}`,
      });
    }
    await next();
  };
}

export function isAdmin(c: Context<AppEnv>): boolean {
  return c.get("principal").role === "admin";
}
