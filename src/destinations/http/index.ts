import { z } from "zod";
import type { Destination } from "../destination";
import { TLS_SECRET_PATH, tlsSettingsSchema } from "../tls";
import { AUTH_SECRET_PATHS, httpAuthSchema } from "./auth";
import { createHttpSender, type HttpSettingsBase } from "./sender";

export const HTTP_SCHEMES = ["http:", "https:"] as const;

/** Credentials and TLS: what every HTTP destination's settings start from. */
export const httpSettingsShape = {
  /** The Authorization header. Default: none. */
  auth: httpAuthSchema.nullable().default(null),
  /** https: server verification and client certificate. Default: verify against Node's CAs. */
  tls: tlsSettingsSchema.nullable().default(null),
};

/** The secrets of `httpSettingsShape`. */
export const HTTP_SECRET_PATHS = [...AUTH_SECRET_PATHS, TLS_SECRET_PATH];

const httpSettingsSchema = z.strictObject(httpSettingsShape);

/** Any HTTP(S) receiver: generic JSON webhooks, Slack, Teams, PagerDuty, Discord, … */
export const httpDestination: Destination<HttpSettingsBase> = {
  kind: "http",
  description: "HTTP(S) POST or PUT to any receiver; 2xx is delivered, 408, 429 and 5xx are retried",
  schemes: HTTP_SCHEMES,
  settingsSchema: httpSettingsSchema,
  secretPaths: HTTP_SECRET_PATHS,
  sendsHeaders: true,
  open: (context) => createHttpSender(context),
};
