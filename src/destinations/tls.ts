import { createHash } from "node:crypto";
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { z } from "zod";

const pem = (what: string) =>
  z
    .string()
    .max(64 * 1024)
    .refine((text) => text.includes("-----BEGIN "), `must be a PEM ${what}`);

/** How a TLS connection (https: or tls:) verifies its server and presents itself. */
export const tlsSettingsSchema = z
  .strictObject({
    /**
     * PEM CA certificate(s) to verify the server against. When set they replace Node's default
     * trust store (Mozilla's CA list, plus NODE_EXTRA_CA_CERTS) rather than adding to it.
     */
    ca: pem("certificate").optional(),
    /** PEM client certificate (chain) for mutual TLS; needs `key`. */
    cert: pem("certificate").optional(),
    /** PEM private key of `cert`. */
    key: pem("private key").optional(),
    /** The name sent as SNI and checked against the server certificate; default: the URL's host. */
    servername: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.-]+$/, "must be a host name: letters, digits, '-' and '.'")
      .optional(),
    /** Accept any server certificate (self-signed, expired, wrong name). */
    allow_invalid_certs: z.boolean().default(false),
  })
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
    message: "cert and key go together (mutual TLS needs both)",
  });
export type TlsSettings = z.infer<typeof tlsSettingsSchema>;

/** Where the private key sits in the settings of a destination with `tls`: a secret. */
export const TLS_SECRET_PATH = ["tls", "key"] as const;

/** Node TLS options for `settings`, connecting to `host` (a name or an IP literal). */
export function tlsConnectOptions(settings: TlsSettings | null | undefined, host: string): ConnectionOptions {
  return {
    ...tlsCredentialOptions(settings),
    // SNI carries names only; for an IP literal Node checks the certificate against the IP.
    servername: settings?.servername ?? (isIP(host) ? undefined : host),
  };
}

/** The host-independent part of `tlsConnectOptions`, for connectors that work out SNI themselves. */
export function tlsCredentialOptions(settings: TlsSettings | null | undefined): ConnectionOptions {
  return {
    ca: settings?.ca,
    cert: settings?.cert,
    key: settings?.key,
    rejectUnauthorized: !settings?.allow_invalid_certs,
  };
}

/** A short key that differs whenever the settings do, to keep connections apart per settings. */
export function tlsSettingsKey(settings: TlsSettings | null | undefined): string {
  if (!settings) return "default";
  const { ca, cert, key, servername, allow_invalid_certs } = settings;
  return createHash("sha256")
    .update(JSON.stringify([ca, cert, key, servername, allow_invalid_certs]))
    .digest("base64url");
}

/** Codes Node gives a failed server certificate check (OpenSSL's X509_V_ERR_* names, and Node's own). */
const VERIFICATION_ERROR_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REJECTED",
  "CERT_REVOKED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
]);

/** The server's TLS alert when it refuses our client certificate (or the lack of one). */
const CLIENT_CERT_REFUSED =
  /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_(BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_(REVOKED|EXPIRED|UNKNOWN|REQUIRED)|UNKNOWN_CA|ACCESS_DENIED)$/;

/**
 * TLS failures no retry can fix: the server's certificate failed verification, the server refused
 * our client certificate, or our own certificate or key cannot be loaded (ERR_OSSL_*).
 */
export function isPermanentTlsError(code: string | undefined): boolean {
  if (code === undefined) return false;
  return VERIFICATION_ERROR_CODES.has(code) || CLIENT_CERT_REFUSED.test(code) || code.startsWith("ERR_OSSL_");
}
