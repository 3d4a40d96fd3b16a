import { truncateUtf8 } from "../../text";

/** RFC 6587: "octet-counting" (`MSG-LEN SP MSG`, the default) or "lf" (each message ends with \n). */
export type SyslogFraming = "octet-counting" | "lf";

export const DEFAULT_PORTS = { "udp:": 514, "tcp:": 514, "tls:": 6514 } as const;
export type SyslogProtocol = keyof typeof DEFAULT_PORTS;

export interface SyslogAddress {
  protocol: SyslogProtocol;
  host: string;
  port: number;
}

/** A syslog URL's protocol, host (IPv6 without brackets) and port (the protocol's default if none). */
export function parseSyslogUrl(url: string): SyslogAddress {
  const parsed = new URL(url);
  const protocol = parsed.protocol as SyslogProtocol;
  if (!(protocol in DEFAULT_PORTS)) throw new Error(`not a syslog URL: ${url}`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new Error(`syslog URL has no host: ${url}`);
  return { protocol, host, port: parsed.port ? Number(parsed.port) : DEFAULT_PORTS[protocol] };
}

/** One message as a TCP/TLS frame (RFC 6587 §3.4). */
export function frameMessage(message: string, framing: SyslogFraming): { frame: Buffer; warnings: string[] } {
  if (framing === "octet-counting") {
    const bytes = Buffer.from(message, "utf8");
    return { frame: Buffer.concat([Buffer.from(`${bytes.length} `), bytes]), warnings: [] };
  }
  // A trailing line break is the terminator a template may already have written, not content.
  const line = message.replace(/[\r\n]+$/, "");
  const lineBreaks = line.match(/\r\n|\r|\n/g)?.length ?? 0;
  const warnings =
    lineBreaks > 0
      ? [
          `replaced ${lineBreaks} line break(s) inside the message with spaces: "lf" framing ends a message at a line break`,
        ]
      : [];
  return { frame: Buffer.from(`${line.replace(/\r\n|\r|\n/g, " ")}\n`, "utf8"), warnings };
}

/** One message as one datagram (RFC 5426 §3.2): cut at a character boundary, never split. */
export function fitDatagram(message: string, maxBytes: number): { datagram: Buffer; warnings: string[] } {
  const fitted = truncateUtf8(message, maxBytes);
  const datagram = Buffer.from(fitted, "utf8");
  const originalBytes = Buffer.byteLength(message, "utf8");
  const warnings =
    fitted === message
      ? []
      : [
          `message cut from ${originalBytes} to ${datagram.length} bytes to fit one UDP datagram (maxMessageBytes ${maxBytes})`,
        ];
  return { datagram, warnings };
}
