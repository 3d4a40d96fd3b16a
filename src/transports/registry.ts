import { createEgressPolicy, type EgressPolicyOptions } from "./egress";
import {
  createHttpTransport,
  type HttpAuth,
  type HttpTransportOptions,
  type SplunkHecSettings,
} from "./http";
import { createSyslogTransport, type SyslogFraming, type SyslogTransportOptions } from "./syslog";
import type { TlsSettings } from "./tls";
import type { SendOutcome } from "./transport";

/** Everything a transport may need for one send; each transport takes what it uses. */
export interface TransportRequest {
  url: string;
  /** http(s) only. */
  method: "POST" | "PUT";
  /** http(s) only. */
  headers: Record<string, string>;
  /** For syslog, one complete syslog message. */
  body: string;
  /** Bounds the whole send: connecting, writing, and for HTTP the answer (and a Splunk HEC ack). */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** https: and tls: — server verification and client certificate. Default: verify against Node's CAs. */
  tls?: TlsSettings;
  /** http(s): credentials for the Authorization header. Default: none (or whatever `headers` has). */
  auth?: HttpAuth;
  /** http(s): read answers as Splunk HEC answers. Default: off, unless `auth.type` is "splunk". */
  splunkHec?: SplunkHecSettings;
  /** tcp: and tls: — how messages are delimited. Default "octet-counting". */
  framing?: SyslogFraming;
  /** udp: — the longest datagram; a longer message is cut. Default 2048, at most 65,507. */
  maxMessageBytes?: number;
}

export interface Transport {
  send(request: TransportRequest): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** URL schemes Herald can deliver to. The webhook's `url` picks the transport. */
export const TRANSPORT_SCHEMES = ["http:", "https:", "udp:", "tcp:", "tls:"] as const;

const SYSLOG_SCHEMES = new Set(["udp:", "tcp:", "tls:"]);

/** "https:" of "https://…", as URL#protocol has it, without parsing the whole URL on every send. */
function schemeOf(url: string): string {
  return url.slice(0, url.indexOf(":") + 1).toLowerCase();
}

/** Whether `url` is a syslog destination, whose payloads must be syslog messages. */
export function carriesSyslog(url: string): boolean {
  return SYSLOG_SCHEMES.has(schemeOf(url));
}

export interface Transports {
  forUrl(url: string): Transport;
  closeAll(): Promise<void>;
}

export interface TransportsOptions {
  /** Which addresses may be connected to; see egress.ts for the rules and the built-in denials. */
  egress?: EgressPolicyOptions;
  http?: Omit<HttpTransportOptions, "egress">;
  syslog?: Omit<SyslogTransportOptions, "egress">;
}

export function createTransports(options: TransportsOptions = {}): Transports {
  const egress = createEgressPolicy(options.egress);
  const http = createHttpTransport({ egress, ...options.http });
  const syslog = createSyslogTransport({ egress, ...options.syslog });
  const bySchemes: Record<(typeof TRANSPORT_SCHEMES)[number], Transport> = {
    "http:": http,
    "https:": http,
    "udp:": syslog,
    "tcp:": syslog,
    "tls:": syslog,
  };
  return {
    forUrl(url) {
      const transport = bySchemes[schemeOf(url) as keyof typeof bySchemes];
      if (!transport) throw new Error(`no transport for ${url}`);
      return transport;
    },
    async closeAll() {
      await Promise.all([...new Set(Object.values(bySchemes))].map((transport) => transport.close()));
    },
  };
}
