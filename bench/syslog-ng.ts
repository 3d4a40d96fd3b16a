/**
 * The same delivery as bench/delivery.ts through syslog-ng 3.38 instead of Herald: the same
 * auto_ban events, by default in batches of 1,000 from 4 producers, written as JSON lines over
 * TCP to a syslog-ng process (Debian syslog-ng-core + syslog-ng-mod-http) that forwards each line
 * as one POST to the same receiver process (bench/receiver.ts), from a reliable disk buffer,
 * several workers. Reports events/s from the first write to the last receipt, write-to-receipt
 * latency and syslog-ng's peak RSS. Runs alone too: `npx tsx bench/syslog-ng.ts` (BENCH_EVENTS,
 * default 20,000).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { banEvent, eventId, receiptFigures, startReceiver } from "./herald";
import { peakRssMiB, stopProcess } from "./process";

/** Where syslog-ng-core puts it; /usr/sbin is not on a Debian user's PATH. */
const SYSLOG_NG = "/usr/sbin/syslog-ng";
/**
 * HTTP workers, each a thread with its own connection and disk-buffer file. On this 2-core
 * machine, with other benchmarks running, 8 did better than 4 on 20,000 events (one run ~9,800/s
 * against two of ~7,100 and ~8,300/s): with batch-lines(1) each worker mostly waits for its
 * request's answer, so more of them keep more requests in flight.
 */
const WORKERS = 8;
/** Most disk a worker's buffer may take: files grow as needed, nothing is dropped before that. */
const DISK_BUFFER_BYTES = 1024 ** 3;
/** Messages a worker keeps in memory besides on disk (syslog-ng's default is 160 MB). */
const MEMORY_BUFFER_BYTES = 16 * 1024 ** 2;

export interface SyslogNgResult {
  received: number;
  events: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMiB: number;
  workers: number;
}

/** Throws, naming the Debian package to install, unless syslog-ng and its http module are here. */
function assertInstalled(): void {
  if (!existsSync(SYSLOG_NG)) throw new Error(`${SYSLOG_NG} not found: apt-get install syslog-ng-core`);
  const version = execFileSync(SYSLOG_NG, ["--version"], { encoding: "utf8" });
  const modules = /^Available-Modules: (.*)$/m.exec(version)?.[1]?.split(",") ?? [];
  if (!modules.includes("http")) {
    throw new Error("syslog-ng has no http module: apt-get install syslog-ng-mod-http");
  }
}

/** A TCP port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Each line from TCP is one event: no-parse keeps the whole line as $MSG, which is the body.
 * No flow-control: the disk buffers hold far more than the run sends, so nothing is dropped.
 */
function config(port: number, connections: number, hookUrl: string, dir: string): string {
  return `@version: 3.38
source s_bench {
  network(transport("tcp") ip("127.0.0.1") port(${port}) flags(no-parse) max-connections(${connections}));
};
destination d_receiver {
  http(
    url("${hookUrl}")
    method("POST")
    headers("Content-Type: application/json")
    body("$MSG")
    batch-lines(1)
    workers(${WORKERS})
    persist-name("herald-bench")
    disk-buffer(reliable(yes) dir("${dir}") disk-buf-size(${DISK_BUFFER_BYTES}) mem-buf-size(${MEMORY_BUFFER_BYTES}))
  );
};
log { source(s_bench); destination(d_receiver); };
`;
}

/** syslog-ng in the foreground (-F, so the pid is the process that works), its state in `dir`. */
function startSyslogNg(conf: string, dir: string): { child: ChildProcess; log: () => string } {
  // --no-caps: it binds a high port and writes only to `dir`, so it needs no capabilities.
  const child = spawn(
    SYSLOG_NG,
    [
      "-F",
      "-e",
      "--no-caps",
      "-f",
      conf,
      "--persist-file",
      join(dir, "persist"),
      "--pidfile",
      join(dir, "pid"),
      "--control",
      join(dir, "ctl"),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  // Its own log (-e) is read all along, so that a full pipe never blocks it; the tail goes into errors.
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  return { child, log: () => log };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => resolve(socket));
    // Stays on after connecting, so that a later error reaches the writer through write's callback alone.
    socket.once("error", reject);
  });
}

/** Waits until syslog-ng accepts connections on `port`. */
async function waitForPort(port: number, syslogNg: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (syslogNg.exitCode !== null) throw new Error(`syslog-ng exited with ${syslogNg.exitCode}:\n${log()}`);
    const socket = await connect(port).catch(() => undefined);
    if (socket) return void socket.destroy();
    if (Date.now() > deadline) throw new Error(`syslog-ng did not listen on ${port} within 10 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once `text` is handed to the kernel. */
function write(socket: net.Socket, text: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(text, (error) => (error ? reject(error) : resolve())));
}

export async function benchSyslogNg(
  events: number,
  postedBatch = 1000,
  producers = 4,
): Promise<SyslogNgResult> {
  assertInstalled();
  const dir = mkdtempSync(join(tmpdir(), "syslog-ng-bench-"));
  try {
    const receiver = await startReceiver();
    try {
      const port = await freePort();
      const conf = join(dir, "syslog-ng.conf");
      // One connection more than the producers: the one that finds it listening.
      writeFileSync(conf, config(port, producers + 1, `${receiver.url}/hook`, dir));
      const { child, log } = startSyslogNg(conf, dir);
      try {
        await waitForPort(port, child, log);

        const postedAt = new Map<string, number>();
        const batches = Array.from({ length: Math.ceil(events / postedBatch) }, (_, b) =>
          Array.from({ length: Math.min(postedBatch, events - b * postedBatch) }, (_, i) =>
            banEvent(eventId(b, i), `203.0.113.${i % 255}`),
          ),
        );
        const started = Date.now();
        let next = 0;
        // One connection per producer, as a log shipper keeps one; a batch is its lines in one write.
        async function producer() {
          const socket = await connect(port);
          try {
            for (let batch = batches[next++]; batch; batch = batches[next++]) {
              const sentAt = Date.now();
              await write(socket, batch.map((event) => `${JSON.stringify(event)}\n`).join(""));
              for (const event of batch) postedAt.set(event.id, sentAt);
            }
          } finally {
            socket.end();
          }
        }
        await Promise.all(Array.from({ length: producers }, producer));

        for (let count = 0; count < events; count = await receiver.count()) {
          if (child.exitCode !== null) throw new Error(`syslog-ng exited with ${child.exitCode}:\n${log()}`);
          if (Date.now() - started > 300_000) {
            throw new Error(`only ${count} of ${events} arrived in 300 s; syslog-ng's log:\n${log()}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const figures = receiptFigures(await receiver.received(), postedAt, started);
        return {
          events,
          ...figures,
          peakRssMiB: Math.round(peakRssMiB(child.pid as number)),
          workers: WORKERS,
        };
      } finally {
        await stopProcess(child);
      }
    } finally {
      await receiver.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table([await benchSyslogNg(Number(process.env.BENCH_EVENTS ?? 20_000))]);
}
