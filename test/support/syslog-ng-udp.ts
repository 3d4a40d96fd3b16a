import dgram from "node:dgram";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SD_ID } from "./syslog-fitting";
import { freeUdpAndTcpPort, readJsonLines, spawnSyslogNg, stopSyslogNg } from "./syslog-ng";

// A syslog-ng that takes RFC 5424 over UDP with its own parser (flags(syslog-protocol), as
// rsyslog's and syslog-ng's receivers are set up for RFC 5426) and writes, for every message, what
// it parsed: the header fields, MSG, and the herald SD-ELEMENT's id, type, severity and source
// each through its own ${.SDATA.…} macro. A message whose structured data did not parse arrives
// as syslog-ng's "Error processing log message" with none of them.

/** One message as syslog-ng parsed it. */
export interface UdpParsedMessage {
  PID?: string;
  MSGID?: string;
  PROGRAM?: string;
  MESSAGE?: string;
  /** The herald SD-ELEMENT's identity params, "" where syslog-ng found none. */
  sd: { id: string; type: string; severity: string; source: string };
  _SDATA?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SyslogNgUdp {
  port: number;
  /** Every message parsed so far (syslog-ng's own error records included). */
  messages(): Promise<UdpParsedMessage[]>;
  /** Waits until what has been parsed so far satisfies `done`, up to `timeoutMs`; then returns it all. */
  waitFor(done: (messages: UdpParsedMessage[]) => boolean, timeoutMs?: number): Promise<UdpParsedMessage[]>;
  cleanup(): Promise<void>;
}

/** syslog-ng writes a NUL inside a value as the four characters \x00; this undoes that. */
export function undoNulEscape(text: string): string {
  return text.replaceAll("\\x00", "\u0000");
}

function config(port: number): string {
  const sd = ["id", "type", "severity", "source"].map((name) => `sd.${name}=\${.SDATA.${SD_ID}.${name}}`);
  const template = `$(format-json --scope rfc5424 --scope sdata --key PID ${sd.join(" ")})\\n`;
  return [
    "@version: 3.38",
    "options { stats-freq(0); keep-hostname(yes); };",
    `source s_udp { network(ip("127.0.0.1") port(${port}) transport("udp") flags(syslog-protocol) so-rcvbuf(8388608) log-msg-size(65536)); };`,
    `destination d_udp { file("udp.jsonl" template("${template}")); };`,
    "log { source(s_udp); destination(d_udp); };",
    "",
  ].join("\n");
}

/** Starts syslog-ng in the foreground in a temporary directory; resolves once it parses a probe. */
export async function startSyslogNgUdp(): Promise<SyslogNgUdp> {
  const dir = await mkdtemp(join(tmpdir(), "herald-syslog-ng-udp-"));
  const port = await freeUdpAndTcpPort();
  await writeFile(join(dir, "syslog-ng.conf"), config(port));
  const { child, stderr } = spawnSyslogNg(dir);

  async function messages(): Promise<UdpParsedMessage[]> {
    return readJsonLines<UdpParsedMessage>(join(dir, "udp.jsonl"));
  }

  async function waitFor(
    done: (messages: UdpParsedMessage[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<UdpParsedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await messages();
      if (done(found) || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function cleanup(): Promise<void> {
    await stopSyslogNg(child);
    await rm(dir, { recursive: true, force: true });
  }

  // UDP has no handshake: probe until syslog-ng has parsed one.
  const probe = dgram.createSocket("udp4");
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`syslog-ng exited (${child.exitCode}): ${stderr()}`);
      await new Promise<void>((resolve) =>
        probe.send("<134>1 - - herald-probe - probe -", port, "127.0.0.1", () => resolve()),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      if ((await messages()).some((message) => message.PROGRAM === "herald-probe")) break;
      if (Date.now() > deadline)
        throw new Error(`syslog-ng parsed no probe on udp port ${port}: ${stderr()}`);
    }
  } catch (error) {
    await cleanup();
    throw error;
  } finally {
    probe.close();
  }
  return { port, messages, waitFor, cleanup };
}
