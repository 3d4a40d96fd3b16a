import dgram from "node:dgram";
import type { EgressPolicy } from "../egress";
import type { SyslogAddress } from "./framing";

/** A connected UDP socket to one receiver, shared by every send to it. */
export interface DatagramChannel {
  socket: dgram.Socket;
  closed: boolean;
  /** An ICMP port unreachable for an earlier datagram, not yet reported. */
  refusal: Error | null;
  idleTimer: NodeJS.Timeout;
}

/**
 * A connected UDP socket: connected so that the kernel tells us (as ECONNREFUSED) when the
 * receiver's host answers a datagram with ICMP port unreachable. That answer arrives after the
 * send that caused it, so it fails the next send, which is not sent.
 */
export async function openDatagramChannel(
  destination: SyslogAddress,
  { egress, idleTimeoutMs }: { egress: EgressPolicy; idleTimeoutMs: number },
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

export function closeDatagramChannel(channel: DatagramChannel): Promise<void> {
  if (channel.closed) return Promise.resolve();
  return new Promise((resolve) => channel.socket.close(resolve));
}

export function errorWithCode(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}
