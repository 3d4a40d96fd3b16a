/**
 * The benchmark's receiver, run as its own process: an HTTP endpoint answering 200 (in Splunk
 * HEC's words too), a syslog TCP listener (octet-counting) and a syslog UDP listener. It notes
 * when each event id (`bench-<batch>-<n>`) first arrives; GET /count and GET /received report.
 * POST /slack is a Slack incoming webhook's stand-in (slack-stand-in.ts), whose ids are not noted;
 * GET /messages reports the HTTP requests per path and what the stand-in answered. POST /hang
 * never answers: a receiver that hangs.
 * Prints its ports as one JSON line.
 */
import dgram from "node:dgram";
import { createServer } from "node:http";
import net, { type AddressInfo } from "node:net";
import { answerSlack, slackAnswers } from "./slack-stand-in";

const receivedAt = new Map<string, number>();
const messagesByPath: Record<string, number> = {};
const EVENT_ID = /bench-\d+-\d+/g;

/** Notes every event id in a payload: a Splunk HEC request carries many events. */
function note(payload: string) {
  const now = Date.now();
  for (const [id] of payload.matchAll(EVENT_ID)) if (!receivedAt.has(id)) receivedAt.set(id, now);
}

const http = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/count") return void res.end(String(receivedAt.size));
  if (req.method === "GET" && req.url === "/received") {
    res.setHeader("content-type", "application/json");
    return void res.end(JSON.stringify(Object.fromEntries(receivedAt)));
  }
  if (req.method === "GET" && req.url === "/messages") {
    res.setHeader("content-type", "application/json");
    return void res.end(JSON.stringify({ byPath: messagesByPath, slack: slackAnswers }));
  }
  const path = req.url ?? "/";
  messagesByPath[path] = (messagesByPath[path] ?? 0) + 1;
  // A receiver that hangs: it reads nothing and never answers (Herald's timeout ends each request).
  if (path === "/hang") return;
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (path === "/slack") {
      const answer = answerSlack(body);
      res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
      return void res.end(answer.body);
    }
    note(body);
    res.setHeader("content-type", "application/json");
    res.end('{"text":"Success","code":0}');
  });
});
http.keepAliveTimeout = 60_000;

/** RFC 6587 octet counting: "<length> <message>" one after another. */
const tcp = net.createServer((socket) => {
  let buffered = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const space = buffered.indexOf(0x20);
      if (space < 0) break;
      const length = Number(buffered.subarray(0, space).toString());
      if (buffered.length < space + 1 + length) break;
      note(buffered.subarray(space + 1, space + 1 + length).toString("utf8"));
      buffered = buffered.subarray(space + 1 + length);
    }
  });
});

const udp = dgram.createSocket({ type: "udp4", recvBufferSize: 8 * 1024 * 1024 });
udp.on("message", (message) => note(message.toString("utf8")));

const listening = (server: net.Server) =>
  new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
await Promise.all([
  listening(http),
  listening(tcp),
  new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve)),
]);
const port = (address: AddressInfo | string | null) => (address as AddressInfo).port;
process.stdout.write(
  `${JSON.stringify({ http: port(http.address()), tcp: port(tcp.address()), udp: udp.address().port })}\n`,
);
