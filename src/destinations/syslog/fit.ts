// Fitting a syslog message into one UDP datagram at frame time, structurally: a message cut at
// the byte limit would end inside its structured data (or its CEF, LEEF or JSON MSG), and a
// standard receiver refuses all of it. TCP and TLS have no limit and are left alone; the sender's
// byte cut (fitDatagram) stays as the last resort for what cannot be fitted.
import { fitMsg } from "./fit-msg";
import { fitRfc5424 } from "./fit-rfc5424";
import { DEFAULT_UDP_MAX_MESSAGE_BYTES } from "./sender";

/** A MSG with less room than this inside the envelope is left to the sender's cut. */
const MIN_MSG_ROOM = 8;

/** The datagram limit for a message to `url`, or undefined when it goes over TCP or TLS. */
export function datagramLimit(
  url: string,
  settings: { syslog: { max_message_bytes: number } | null },
): number | undefined {
  if (!/^udp:/i.test(url)) return undefined;
  return settings.syslog?.max_message_bytes ?? DEFAULT_UDP_MAX_MESSAGE_BYTES;
}

function warning(originalBytes: number, fittedBytes: number, maxBytes: number, notes: string[]): string {
  const what = notes.length > 0 ? notes.join("; ") : "nothing to cut";
  return `message fitted from ${originalBytes} to ${fittedBytes} bytes for one UDP datagram (max_message_bytes ${maxBytes}): ${what}`;
}

/** A complete RFC 5424 message (the syslog format's) fitted to `maxBytes`, with a warning if cut. */
export function fitCompleteMessage(
  message: string,
  maxBytes: number,
): { message: string; warnings: string[] } {
  const originalBytes = Buffer.byteLength(message);
  if (originalBytes <= maxBytes) return { message, warnings: [] };
  const fitted = fitRfc5424(message, maxBytes);
  if (!fitted) return { message, warnings: [] };
  const fittedBytes = Buffer.byteLength(fitted.message);
  return { message: fitted.message, warnings: [warning(originalBytes, fittedBytes, maxBytes, fitted.notes)] };
}

/**
 * The envelope `wrap` makes around `msg` (cef, leef, json, …), its MSG fitted so that the whole
 * takes at most `maxBytes`; the header is the envelope's and stays as it is.
 */
export function fitEnvelope(
  msg: string,
  maxBytes: number,
  wrap: (msg: string) => { message: string; warnings: string[] },
): { message: string; warnings: string[] } {
  const whole = wrap(msg);
  const originalBytes = Buffer.byteLength(whole.message);
  if (originalBytes <= maxBytes) return whole;
  // Everything but MSG: header, structured data, separators, a BOM.
  const envelopeBytes = Buffer.byteLength(wrap("x").message) - 1;
  const room = maxBytes - envelopeBytes;
  if (room < MIN_MSG_ROOM) return whole;
  const fitted = fitMsg(msg, room);
  const result = wrap(fitted.msg);
  const fittedBytes = Buffer.byteLength(result.message);
  return {
    message: result.message,
    warnings: [...result.warnings, warning(originalBytes, fittedBytes, maxBytes, fitted.notes)],
  };
}
