/**
 * Syslog over UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425): udp://host[:514],
 * tcp://host[:514], tls://host[:6514]. The request body is one complete syslog message (the engine
 * has rendered it); this module frames it and moves the bytes, nothing more.
 *
 * What "delivered" means: syslog has no acknowledgement, so a success here is weaker than an
 * HTTP 2xx.
 * - UDP: the datagram was handed to the OS. It may still be dropped anywhere on the way.
 * - TCP and TLS: the framed message was written to the socket and flushed to the kernel (the write
 *   callback fired). A receiver that dies after that, or a connection that breaks while the bytes
 *   are still in kernel buffers, loses the message without Herald knowing. A connection that breaks
 *   before or during the write is a retryable failure, and the next send opens a new connection.
 *
 * Connections (and UDP sockets) are kept open per destination and settings, shared by all sends to
 * it, closed after being idle, and reopened with a doubling backoff after a failed open.
 */
import dgram from "node:dgram";
import net, { type Socket } from "node:net";
import tls, { type TLSSocket } from "node:tls";
import { truncateUtf8 } from "../text";
import { EGRESS_DENIED, type EgressPolicy } from "./egress";
import type { Transport, TransportRequest } from "./registry";
import { isPermanentTlsError, tlsConnectOptions, tlsSettingsKey } from "./tls";
import { failure, type SendOutcome } from "./transport";

/** RFC 6587: "octet-counting" (`MSG-LEN SP MSG`, the default) or "lf" (each message ends with \n). */
export type SyslogFraming = "octet-counting" | "lf";

export const DEFAULT_UDP_MAX_MESSAGE_BYTES = 2048;
/** The largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header). */
export const MAX_UDP_MESSAGE_BYTES = 65_507;

const DEFAULT_PORTS = { "udp:": 514, "tcp:": 514, "tls:": 6514 } as const;
type SyslogProtocol = keyof typeof DEFAULT_PORTS;

export interface SyslogTransportOptions {
  egress: EgressPolicy;
  /** The wait before reopening after a failed open doubles from `initialMs` up to `maxMs`. */
  reconnectBackoff?: { initialMs: number; maxMs: number };
  /** A connection or UDP socket unused for this long is closed. */
  idleTimeoutMs?: number;
}

interface SyslogDestination {
  protocol: SyslogProtocol;
  host: string;
  port: number;
}

interface DatagramChannel {
  socket: dgram.Socket;
  closed: boolean;
  /** An ICMP port unreachable for an earlier datagram, not yet reported. */
  refusal: Error | null;
  idleTimer: NodeJS.Timeout;
}

export function createSyslogTransport(options: SyslogTransportOptions): Transport {
  const { egress } = options;
  const backoff = options.reconnectBackoff ?? { initialMs: 500, maxMs: 30_000 };
  const idleTimeoutMs = options.idleTimeoutMs ?? 5 * 60_000;
  const streams = createConnectionPool<Socket>({
    backoff,
    isUsable: (socket) => !socket.destroyed && socket.writable,
    close: closeStream,
  });
  const datagrams = createConnectionPool<DatagramChannel>({
    backoff,
    isUsable: (channel) => !channel.closed,
    close: closeDatagramChannel,
  });

  async function send(req: TransportRequest): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const remaining = () => Math.max(0, req.timeoutMs - (performance.now() - started));
    let destination: SyslogDestination;
    try {
      destination = parseSyslogUrl(req.url);
    } catch (error) {
      return failure((error as Error).message, false, elapsed());
    }
    try {
      const warnings =
        destination.protocol === "udp:"
          ? await sendDatagram(destination, req, remaining)
          : await sendFramed(destination, req, remaining);
      return delivered(elapsed(), warnings);
    } catch (error) {
      return classifySyslogError(error, req, elapsed());
    }
  }

  async function sendFramed(
    destination: SyslogDestination,
    req: TransportRequest,
    remaining: () => number,
  ): Promise<string[]> {
    const { frame, warnings } = frameMessage(req.body, req.framing ?? "octet-counting");
    const key = [
      destination.protocol,
      destination.host,
      destination.port,
      req.framing,
      tlsSettingsKey(req.tls),
    ];
    const socket = await within(
      streams.acquire(key.join(" "), (onClosed) => openStream(destination, req, onClosed)),
      remaining(),
    );
    try {
      await within(writeFrame(socket, frame), remaining());
    } catch (error) {
      // Part of the frame may be out: nothing more may follow it on this connection.
      socket.destroy();
      throw error;
    }
    return warnings;
  }

  function openStream(
    destination: SyslogDestination,
    req: TransportRequest,
    onClosed: (socket: Socket) => void,
  ): Promise<Socket> {
    const { host, port } = destination;
    egress.checkHost(host);
    const started = performance.now();
    let tcpConnectMs = 0;
    const socket =
      destination.protocol === "tls:"
        ? tls.connect({ host, port, lookup: egress.lookup, ...tlsConnectOptions(req.tls, host) })
        : net.connect({ host, port, lookup: egress.lookup });
    socket.once("connect", () => {
      tcpConnectMs = performance.now() - started;
    });
    return new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          socket.destroy(errorWithCode(`connect timed out after ${req.connectTimeoutMs} ms`, "ETIMEDOUT")),
        req.connectTimeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const ready = () => {
        clearTimeout(timer);
        keepOpen(socket, onClosed);
        socket.off("error", fail);
        resolve(socket);
      };
      socket.on("error", fail);
      if (destination.protocol === "tcp:") {
        socket.once("connect", ready);
      } else {
        socket.once("secureConnect", () => {
          awaitTls13ClientCertVerdict(socket as TLSSocket, tcpConnectMs).then(ready, fail);
        });
      }
    });
  }

  function keepOpen(socket: Socket, onClosed: (socket: Socket) => void): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    socket.setTimeout(idleTimeoutMs, () => void closeStream(socket));
    // Receivers send nothing, but reading is how a closed connection (FIN) gets noticed.
    socket.resume();
    // Errors reach the send through its write callback; the pool forgets the socket on close.
    socket.on("error", () => {});
    socket.once("close", () => onClosed(socket));
  }

  async function sendDatagram(
    destination: SyslogDestination,
    req: TransportRequest,
    remaining: () => number,
  ): Promise<string[]> {
    const maxBytes = req.maxMessageBytes ?? DEFAULT_UDP_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_UDP_MESSAGE_BYTES) {
      throw new SettingsError(
        `maxMessageBytes must be an integer from 1 to ${MAX_UDP_MESSAGE_BYTES} for UDP, not ${maxBytes}`,
      );
    }
    const { datagram, warnings } = fitDatagram(req.body, maxBytes);
    const key = `${destination.host} ${destination.port}`;
    const channel = await within(
      datagrams.acquire(key, (onClosed) => openDatagramChannel(destination, onClosed)),
      remaining(),
    );
    channel.idleTimer.refresh();
    if (channel.refusal) {
      const refusal = channel.refusal;
      channel.refusal = null;
      throw refusal;
    }
    await new Promise<void>((resolve, reject) =>
      channel.socket.send(datagram, (error) => (error ? reject(error) : resolve())),
    );
    return warnings;
  }

  /**
   * A connected UDP socket: connected so that the kernel tells us (as ECONNREFUSED) when the
   * receiver's host answers a datagram with ICMP port unreachable. That answer arrives after the
   * send that caused it, so it fails the next send, which is not sent.
   */
  async function openDatagramChannel(
    destination: SyslogDestination,
    onClosed: (channel: DatagramChannel) => void,
  ): Promise<DatagramChannel> {
    const [address] = await egress.resolve(destination.host);
    if (!address) throw errorWithCode(`${destination.host} resolved to no address`, "ENOTFOUND");
    const socket = dgram.createSocket(address.family === 6 ? "udp6" : "udp4");
    const channel: DatagramChannel = {
      socket,
      closed: false,
      refusal: null,
      idleTimer: setTimeout(() => socket.close(), idleTimeoutMs).unref(),
    };
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") {
        channel.refusal = errorWithCode(
          `udp://${destination.host}:${destination.port} refused an earlier datagram (ICMP port unreachable): is the receiver listening?`,
          "ECONNREFUSED",
        );
      } else {
        socket.close();
      }
    });
    socket.once("close", () => {
      channel.closed = true;
      clearTimeout(channel.idleTimer);
      onClosed(channel);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(destination.port, address.address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return channel;
  }

  async function close(): Promise<void> {
    await Promise.all([streams.closeAll(), datagrams.closeAll()]);
  }

  return { send, close };
}

/** A syslog URL's protocol, host (IPv6 without brackets) and port (the protocol's default if none). */
export function parseSyslogUrl(url: string): SyslogDestination {
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

/**
 * In TLS 1.3 the client's handshake is complete before the server has checked the client
 * certificate, so a server that refuses ours (or wanted one) says so with an alert only after
 * 'secureConnect'. With no answer to wait for, a message written at once would count as delivered
 * on a connection already being refused, and be lost. So wait for that verdict: about one round
 * trip, estimated as twice the TCP connect time, at least 100 ms and at most 1 s, once per
 * connection. (In TLS 1.2 the verdict comes before 'secureConnect'.)
 */
function awaitTls13ClientCertVerdict(socket: TLSSocket, tcpConnectMs: number): Promise<void> {
  if (socket.getProtocol() !== "TLSv1.3") return Promise.resolve();
  const waitMs = Math.min(1000, Math.max(100, 2 * tcpConnectMs));
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      clearTimeout(timer);
      socket.off("error", settle);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onClose = () =>
      settle(errorWithCode("the server closed the connection right after the TLS handshake", "ECONNRESET"));
    const timer = setTimeout(settle, waitMs);
    socket.once("error", settle);
    socket.once("close", onClose);
  });
}

interface PoolEntry<C> {
  connection: C | null;
  opening: Promise<C> | null;
  failedOpens: number;
  /** performance.now() before which no new open is tried. */
  retryAt: number;
  lastError: unknown;
}

/** A send during the backoff after a failed open: it fails with the error that open had. */
class ReconnectBackoffError extends Error {
  constructor(
    readonly lastError: unknown,
    readonly waitMs: number,
  ) {
    super("waiting before reconnecting");
  }
}

class SendTimeoutError extends Error {}

/** The request asks for something no retry can do. */
class SettingsError extends Error {}

/**
 * One open connection per key, shared by every send to that key, opened on first use. After a
 * failed open, sends fail at once (with that open's error) until the backoff has passed; it
 * doubles with every failed open and resets when one succeeds.
 */
function createConnectionPool<C>(config: {
  backoff: { initialMs: number; maxMs: number };
  isUsable(connection: C): boolean;
  close(connection: C): Promise<void>;
}) {
  const entries = new Map<string, PoolEntry<C>>();

  function acquire(key: string, open: (onClosed: (connection: C) => void) => Promise<C>): Promise<C> {
    let entry = entries.get(key);
    if (!entry) {
      entry = { connection: null, opening: null, failedOpens: 0, retryAt: 0, lastError: null };
      entries.set(key, entry);
    }
    if (entry.connection && config.isUsable(entry.connection)) return Promise.resolve(entry.connection);
    if (entry.opening) return entry.opening;
    const waitMs = Math.ceil(entry.retryAt - performance.now());
    if (waitMs > 0) return Promise.reject(new ReconnectBackoffError(entry.lastError, waitMs));

    const current = entry;
    const onClosed = (connection: C) => {
      if (entries.get(key) === current && current.connection === connection) entries.delete(key);
    };
    current.connection = null;
    current.opening = Promise.resolve()
      .then(() => open(onClosed))
      .then(
        (connection) => {
          Object.assign(current, { connection, opening: null, failedOpens: 0, retryAt: 0, lastError: null });
          return connection;
        },
        (error: unknown) => {
          current.failedOpens += 1;
          const delay = Math.min(
            config.backoff.maxMs,
            config.backoff.initialMs * 2 ** (current.failedOpens - 1),
          );
          Object.assign(current, { opening: null, retryAt: performance.now() + delay, lastError: error });
          throw error;
        },
      );
    return current.opening;
  }

  async function closeAll(): Promise<void> {
    const all = [...entries.values()];
    entries.clear();
    const connections = await Promise.all(
      all.map((entry) => entry.opening?.catch(() => null) ?? entry.connection),
    );
    await Promise.all(connections.map((connection) => connection && config.close(connection)));
  }

  return { acquire, closeAll };
}

function writeFrame(socket: Socket, frame: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.write(frame, (error) => (error ? reject(error) : resolve())),
  );
}

/** Flushes what is queued, then closes. */
function closeStream(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.end(() => socket.destroy());
  });
}

function closeDatagramChannel(channel: DatagramChannel): Promise<void> {
  if (channel.closed) return Promise.resolve();
  return new Promise((resolve) => channel.socket.close(resolve));
}

/** Rejects with SendTimeoutError when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SendTimeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorWithCode(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

function delivered(durationMs: number, warnings: string[]): SendOutcome {
  return {
    success: true,
    retryable: false,
    statusCode: null,
    error: null,
    retryAfterMs: null,
    responseExcerpt: null,
    durationMs,
    warnings,
  };
}

function classifySyslogError(error: unknown, req: TransportRequest, durationMs: number): SendOutcome {
  if (error instanceof ReconnectBackoffError) {
    const last = classifySyslogError(error.lastError, req, durationMs);
    return { ...last, error: `${last.error} (not reconnecting for another ${error.waitMs} ms)` };
  }
  if (error instanceof SendTimeoutError) {
    return failure(`timed out after ${req.timeoutMs} ms`, true, durationMs);
  }
  if (error instanceof SettingsError) return failure(error.message, false, durationMs);
  const { code, message } = error as NodeJS.ErrnoException;
  const permanent = isPermanentTlsError(code) || code === EGRESS_DENIED;
  const text = code && !message.includes(code) ? `${code}: ${message}` : message;
  return failure(text, !permanent, durationMs);
}
