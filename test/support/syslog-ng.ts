import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestCerts } from "./certs";

/** syslog-ng's listeners, all on 127.0.0.1; each writes what it parsed to its own file. */
export interface SyslogNgPorts {
  /** RFC 5424 over UDP. */
  udp: number;
  /** RFC 5424 over TCP, octet-counting framing. */
  tcp: number;
  /** RFC 5424 over TCP, one message per line. */
  tcpLf: number;
  /** RFC 5424 over TLS (server certificate from the test CA), octet-counting. */
  tls: number;
  /** The same, and a client certificate signed by the test CA is required. */
  tlsClientCert: number;
}
export type SyslogNgListener = keyof SyslogNgPorts;

/** One message as syslog-ng parsed it (format-json --scope rfc5424 --scope nv-pairs). */
export interface ParsedMessage {
  SOURCE: string;
  HOST?: string;
  PROGRAM?: string;
  PID?: string;
  MSGID?: string;
  MESSAGE?: string;
  LEVEL_NUM?: string;
  FACILITY?: string;
  ISODATE?: string;
  _SDATA?: Record<string, Record<string, string>>;
  [key: string]: unknown;
}

export interface SyslogNg {
  ports: SyslogNgPorts;
  /** Every message `listener` has parsed so far. */
  messages(listener: SyslogNgListener): Promise<ParsedMessage[]>;
  /** The first message on `listener` that matches, waiting for it up to `timeoutMs`. */
  waitForMessage(
    listener: SyslogNgListener,
    matches: (message: ParsedMessage) => boolean,
    timeoutMs?: number,
  ): Promise<ParsedMessage>;
  /** Stops syslog-ng (its connections close); `start` brings it back on the same ports. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops syslog-ng and removes its directory. */
  cleanup(): Promise<void>;
}

const LISTENERS: SyslogNgListener[] = ["udp", "tcp", "tcpLf", "tls", "tlsClientCert"];

/** Starts syslog-ng in the foreground, in a temporary directory, on free loopback ports. */
export async function startSyslogNg(certs: TestCerts): Promise<SyslogNg> {
  const dir = await mkdtemp(join(tmpdir(), "herald-syslog-ng-"));
  const ports: SyslogNgPorts = {
    udp: await freeUdpAndTcpPort(),
    tcp: await freeTcpPort(),
    tcpLf: await freeTcpPort(),
    tls: await freeTcpPort(),
    tlsClientCert: await freeTcpPort(),
  };
  await writeFile(join(dir, "syslog-ng.conf"), syslogNgConfig(ports, certs));
  let child: ChildProcess | null = null;
  let readStderr = () => "";

  async function start(): Promise<void> {
    const { child: started, stderr: stderrOf } = spawnSyslogNg(dir);
    readStderr = stderrOf;
    child = started;
    const exited = new Promise<never>((_, reject) =>
      started.once("exit", (code) => reject(new Error(`syslog-ng exited (${code}): ${readStderr()}`))),
    );
    exited.catch(() => {});
    const streamPorts = [ports.tcp, ports.tcpLf, ports.tls, ports.tlsClientCert];
    await Promise.race([Promise.all(streamPorts.map((port) => waitForListener(port, 10_000))), exited]);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = null;
    await stopSyslogNg(running);
  }

  async function messages(listener: SyslogNgListener): Promise<ParsedMessage[]> {
    return readJsonLines<ParsedMessage>(join(dir, `${listener}.jsonl`));
  }

  async function waitForMessage(
    listener: SyslogNgListener,
    matches: (message: ParsedMessage) => boolean,
    timeoutMs = 5000,
  ): Promise<ParsedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await messages(listener)).find(matches);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`syslog-ng's ${listener} listener got no matching message; stderr: ${readStderr()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  await start().catch(async (error) => {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    ports,
    messages,
    waitForMessage,
    stop,
    start,
    async cleanup() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function syslogNgConfig(ports: SyslogNgPorts, certs: TestCerts): string {
  const serverTls = `key-file("${certs.server.key.path}") cert-file("${certs.server.cert.path}")`;
  const sources: Record<SyslogNgListener, string> = {
    udp: `syslog(ip("127.0.0.1") port(${ports.udp}) transport("udp"))`,
    tcp: `syslog(ip("127.0.0.1") port(${ports.tcp}) transport("tcp"))`,
    // syslog() wants octet-counting on TCP; network() with syslog-protocol parses RFC 5424 lines.
    tcpLf: `network(ip("127.0.0.1") port(${ports.tcpLf}) transport("tcp") flags(syslog-protocol))`,
    tls: `syslog(ip("127.0.0.1") port(${ports.tls}) transport("tls") tls(${serverTls} peer-verify(optional-untrusted)))`,
    tlsClientCert: `syslog(ip("127.0.0.1") port(${ports.tlsClientCert}) transport("tls") tls(${serverTls} ca-file("${certs.ca.path}") peer-verify(required-trusted)))`,
  };
  const template = "$(format-json --scope rfc5424 --scope nv-pairs --key LEVEL_NUM --key ISODATE)\\n";
  const lines = ["@version: 3.38", "options { stats-freq(0); keep-hostname(yes); };"];
  for (const listener of LISTENERS) {
    lines.push(
      `source s_${listener} { ${sources[listener]}; };`,
      `destination d_${listener} { file("${listener}.jsonl" template("${template}")); };`,
      `log { source(s_${listener}); destination(d_${listener}); };`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port free for UDP too (syslog-ng's UDP listener), chosen among free TCP ports. */
export async function freeUdpAndTcpPort(): Promise<number> {
  for (;;) {
    const port = await freeTcpPort();
    const free = await new Promise<boolean>((resolve) => {
      const socket = dgram.createSocket("udp4");
      socket.once("error", () => resolve(false));
      socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Waits until something accepts TCP connections on 127.0.0.1:`port`. */
async function waitForListener(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (listening) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** syslog-ng in the foreground in `dir`, with the syslog-ng.conf written there; stderr kept. */
export function spawnSyslogNg(dir: string): { child: ChildProcess; stderr: () => string } {
  const files = [
    "-f",
    "syslog-ng.conf",
    "-R",
    "syslog-ng.persist",
    "-p",
    "syslog-ng.pid",
    "-c",
    "syslog-ng.ctl",
  ];
  const child = spawn("syslog-ng", ["-F", "-e", ...files], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, stderr: () => stderr };
}

/** Stops a syslog-ng started by spawnSyslogNg, unless it has exited already. */
export async function stopSyslogNg(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** The JSON lines syslog-ng has written to `file` so far (none before it exists). */
export async function readJsonLines<T>(file: string): Promise<T[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}
