/**
 * A webhook receiver for the benchmark, run as its own process: answers 200 to every POST and,
 * reports how many events arrived (GET /count) and when each did (GET /received).
 */
import { createServer } from "node:http";

const receivedAt = new Map<string, number>();

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/count") {
    res.end(String(receivedAt.size));
    return;
  }
  if (req.method === "GET" && req.url === "/received") {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(Object.fromEntries(receivedAt)));
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const { id } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: string };
    if (!receivedAt.has(id)) receivedAt.set(id, Date.now());
    res.end("ok");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`${typeof address === "object" && address ? address.port : ""}\n`);
});
