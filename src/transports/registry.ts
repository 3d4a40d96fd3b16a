import { createHttpTransport } from "./http";
import type { SendOutcome } from "./transport";

/** Everything a transport may need for one send; each transport takes what it uses. */
export interface TransportRequest {
  url: string;
  method: "POST" | "PUT";
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  connectTimeoutMs: number;
}

export interface Transport {
  send(request: TransportRequest): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** URL schemes Herald can deliver to. The webhook's `url` picks the transport. */
export const TRANSPORT_SCHEMES = ["http:", "https:"] as const;

export interface Transports {
  forUrl(url: string): Transport;
  closeAll(): Promise<void>;
}

export function createTransports(): Transports {
  const http = createHttpTransport();
  const bySchemes: Record<(typeof TRANSPORT_SCHEMES)[number], Transport> = { "http:": http, "https:": http };
  return {
    forUrl(url) {
      const transport = bySchemes[new URL(url).protocol as keyof typeof bySchemes];
      if (!transport) throw new Error(`no transport for ${url}`);
      return transport;
    },
    async closeAll() {
      await Promise.all([...new Set(Object.values(bySchemes))].map((transport) => transport.close()));
    },
  };
}
