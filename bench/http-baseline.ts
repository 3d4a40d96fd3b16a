/**
 * The machine's own ceiling, for scale: the same receiver process, posted to straight from
 * undici (no Herald, no database), one request per event with the same concurrency.
 */
import { Agent, request } from "undici";
import { firstLine, startProcess, stopProcess } from "./process";

export async function benchHttpBaseline(events: number): Promise<number> {
  const receiver = startProcess("bench/receiver.ts", []);
  const { http } = JSON.parse(await firstLine(receiver)) as { http: number };
  const agent = new Agent({ connections: 64 });
  try {
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 512 }, async () => {
        for (let i = next++; i < events; i = next++) {
          const body = JSON.stringify({
            id: `bench-0-${i}`,
            event_type: "auto_ban",
            data: { client_ip: "203.0.113.7" },
          });
          const response = await request(`http://127.0.0.1:${http}/hook`, {
            method: "POST",
            body,
            headers: { "content-type": "application/json" },
            dispatcher: agent,
          });
          await response.body.text();
        }
      }),
    );
    return Math.round(events / ((Date.now() - started) / 1000));
  } finally {
    await agent.close();
    await stopProcess(receiver);
  }
}
