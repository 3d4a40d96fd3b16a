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
import net, { type Socket } from "node:net";
import tls, { type TLSSocket } from "node:tls";
import { createConnectionPool, ReconnectBackoffError } from "../connection-pool";
import { failure, type Sender, type SenderContext, type SendOutcome, type SendRequest } from "../destination";
import { EGRESS_DENIED } from "../egress";
import { isPermanentTlsError, type TlsSettings, tlsConnectOptions, tlsSettingsKey } from "../tls";
import { closeDatagramChannel, type DatagramChannel, errorWithCode, openDatagramChannel } from "./datagram";
import { fitDatagram, frameMessage, parseSyslogUrl, type SyslogAddress, type SyslogFraming } from "./framing";

export const DEFAULT_UDP_MAX_MESSAGE_BYTES = 2048;
/** The largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header). */
export const MAX_UDP_MESSAGE_BYTES = 65_507;

/** What the sockets need of a syslog destination's settings. */
export interface SyslogSocketSettings {
  tls: TlsSettings | null;
  syslog: { framing: SyslogFraming; max_message_bytes: number } | null;
}

type SyslogRequest = SendRequest<SyslogSocketSettings>;

export function createSyslogSender(options: SenderContext): Sender<SyslogSocketSettings> {
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

  async function send(req: SyslogRequest): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const remaining = () => Math.max(0, req.timeoutMs - (performance.now() - started));
    let destination: SyslogAddress;
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
    destination: SyslogAddress,
    req: SyslogRequest,
    remaining: () => number,
  ): Promise<string[]> {
    const framing = req.settings.syslog?.framing ?? "octet-counting";
    const { frame, warnings } = frameMessage(req.body, framing);
    const key = [
      destination.protocol,
      destination.host,
      destination.port,
      framing,
      tlsSettingsKey(req.settings.tls),
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
    destination: SyslogAddress,
    req: SyslogRequest,
    onClosed: (socket: Socket) => void,
  ): Promise<Socket> {
    const { host, port } = destination;
    egress.checkHost(host);
    const started = performance.now();
    let tcpConnectMs = 0;
    const socket =
      destination.protocol === "tls:"
        ? tls.connect({ host, port, lookup: egress.lookup, ...tlsConnectOptions(req.settings.tls, host) })
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
    destination: SyslogAddress,
    req: SyslogRequest,
    remaining: () => number,
  ): Promise<string[]> {
    const maxBytes = req.settings.syslog?.max_message_bytes ?? DEFAULT_UDP_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_UDP_MESSAGE_BYTES) {
      throw new SettingsError(
        `maxMessageBytes must be an integer from 1 to ${MAX_UDP_MESSAGE_BYTES} for UDP, not ${maxBytes}`,
      );
    }
    const { datagram, warnings } = fitDatagram(req.body, maxBytes);
    const key = `${destination.host} ${destination.port}`;
    const channel = await within(
      datagrams.acquire(key, (onClosed) =>
        openDatagramChannel(destination, { egress, idleTimeoutMs }, onClosed),
      ),
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

  async function close(): Promise<void> {
    await Promise.all([streams.closeAll(), datagrams.closeAll()]);
  }

  return { send, close };
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

class SendTimeoutError extends Error {}

/** The request asks for something no retry can do. */
class SettingsError extends Error {}

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

/** Rejects with SendTimeoutError when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SendTimeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
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

function classifySyslogError(error: unknown, req: SyslogRequest, durationMs: number): SendOutcome {
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
