import { createSocket } from "node:dgram";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bans } from "../support/bans";
import { storeKinds } from "../support/databases";
import { startTestGateway, type TestGateway } from "../support/gateway";
import type { RecordedRequest } from "../support/receiver";
import { startSplunkHecStandIn } from "../support/splunk-hec";
import { deliveriesIn, postEvents, receiverPool, subscribe } from "../support/subscriptions";

const IPS = ["198.51.100.1", "198.51.100.2", "198.51.100.3"];

interface JsonDigest {
  count?: number;
  group?: Record<string, unknown>;
  events?: { data: { n: number; client_ip: string } }[];
  suppressed?: number;
  data?: { n: number; client_ip: string };
}

const digestOf = (request: RecordedRequest) => JSON.parse(request.body) as JsonDigest;
/** The numbers of the events a json message carries: a digest's, or the single event's. */
const numbersIn = (request: RecordedRequest) => {
  const body = digestOf(request);
  return body.events ? body.events.map((event) => event.data.n) : [body.data?.n];
};

describe.each(storeKinds())("grouping into digests on %s", (kind) => {
  let gateway: TestGateway;
  const receivers = receiverPool();
  const receiver = receivers.start;
  const post = (events: unknown[]) => postEvents(gateway, events);

  beforeEach(async () => {
    gateway = await startTestGateway(kind);
  });
  afterEach(async () => {
    await gateway.close();
    await receivers.closeAll();
  });

  it("500 events of 3 client IPs become 3 digests, each with its group's count", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, {
      url: target.url,
      group: { by: ["data.client_ip"], wait_s: 2, interval_s: 60 },
    });
    // In five posts, as a storm arrives: all join the digests their groups wait for.
    for (let from = 0; from < 500; from += 100) await post(bans(100, { ips: IPS, from }));
    const digests = await target.waitFor(3, 15_000);
    const byIp = new Map(
      digests.map((request) => [digestOf(request).group?.["data.client_ip"], digestOf(request)]),
    );
    expect([...byIp.keys()].sort()).toEqual(IPS);
    expect(IPS.map((ip) => byIp.get(ip)?.count)).toEqual([167, 167, 166]);
    for (const [ip, digest] of byIp) {
      expect(digest.events?.every((event) => event.data.client_ip === ip)).toBe(true);
    }
    expect(digests.flatMap(numbersIn).sort((a, b) => (a as number) - (b as number))).toEqual(
      Array.from({ length: 500 }, (_, n) => n),
    );
    const deliveries = await deliveriesIn(gateway, webhook.id, 500, ["delivered"]);
    expect(deliveries.filter((delivery) => delivery.status === "delivered")).toHaveLength(500);
    // Nothing more was sent after the three.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(target.requests).toHaveLength(3);
  });

  it("a group's later events wait interval_s after its digest; a lone event goes as a single message", async () => {
    const arrivals: number[] = [];
    const target = await receiver(() => {
      arrivals.push(Date.now());
      return { status: 200 };
    });
    await subscribe(gateway, { url: target.url, group: { by: ["type"], wait_s: 0, interval_s: 2 } });
    const posted = Date.now();
    await post(bans(1, { ips: IPS }));
    const [single] = await target.waitFor(1);
    // One event in its window: the message a single event gets, no digest.
    expect(digestOf(single as RecordedRequest)).toMatchObject({ data: { n: 0 } });
    expect(digestOf(single as RecordedRequest)).not.toHaveProperty("count");
    await post(bans(4, { ips: IPS, from: 1 }));
    await post(bans(3, { ips: IPS, from: 5 }));
    const [, second] = await target.waitFor(2, 10_000);
    expect(numbersIn(second as RecordedRequest).sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // interval_s 2 apart, the first sent after the post. Measured from the post: a first request
    // opens its connection, and on a busy machine arrives late (see processes.test.ts).
    expect((arrivals[1] as number) - posted).toBeGreaterThanOrEqual(1950);
  });

  it("the webhook's flow status lists its open groups and when each goes", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, {
      url: target.url,
      group: { by: ["type", "data.client_ip"], wait_s: 600 },
    });
    await post(bans(30, { ips: IPS.slice(0, 2) }));
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
    expect(body.group).toEqual({
      by: ["type", "data.client_ip"],
      wait_s: 600,
      interval_s: 300,
      max_events: 1000,
    });
    expect(body.flow_status.open_groups).toBe(2);
    expect(body.flow_status.groups).toHaveLength(2);
    for (const group of body.flow_status.groups) {
      expect(group.queued).toBe(15);
      expect(group.flushes_in_s).toBeGreaterThan(590);
      expect(group.flushes_in_s).toBeLessThanOrEqual(600);
    }
    expect(
      body.flow_status.groups
        .map((group: any) => group.group)
        .sort((a: any, b: any) => a["data.client_ip"].localeCompare(b["data.client_ip"])),
    ).toEqual(IPS.slice(0, 2).map((ip) => ({ type: "auto_ban", "data.client_ip": ip })));
    expect(target.requests).toHaveLength(0);
  });

  it("a digest that fails is retried whole, under the same webhook-id", async () => {
    let calls = 0;
    const target = await receiver(() => ({ status: ++calls === 1 ? 500 : 200 }));
    const webhook = await subscribe(gateway, { url: target.url, group: { by: [], wait_s: 1 } });
    await post(bans(40, { ips: IPS }));
    const [failed, retried] = await target.waitFor(2, 20_000);
    expect(digestOf(retried as RecordedRequest).count).toBe(40);
    expect(retried?.body).toBe(failed?.body);
    expect(retried?.headers["webhook-id"]).toBe(failed?.headers["webhook-id"]);
    const deliveries = await deliveriesIn(gateway, webhook.id, 40, ["delivered"]);
    expect(deliveries.every((delivery) => delivery.attempt === 2)).toBe(true);
  });

  it("with dedup, the digest carries the first of each key and counts the repeats it suppressed", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, {
      url: target.url,
      dedup: { key: "{{data.client_ip}}", window_s: 600 },
      group: { by: [], wait_s: 1 },
    });
    await post(bans(30, { ips: IPS }));
    const [digest] = await target.waitFor(1);
    expect(digestOf(digest as RecordedRequest)).toMatchObject({ count: 3, suppressed: 27 });
    const deliveries = await deliveriesIn(gateway, webhook.id, 30, ["delivered", "suppressed"]);
    expect(deliveries.filter((delivery) => delivery.status === "suppressed")).toHaveLength(27);
  });

  it("a SIEM format never merges a group's events: Splunk HEC gets each as its own event, in batches", async () => {
    const hec = await startSplunkHecStandIn({ tokens: { grouped: {} } });
    receivers.add(hec);
    const webhook = await subscribe(gateway, {
      url: `${hec.origin}/services/collector/event`,
      format: "splunk_hec",
      auth: { type: "splunk", token: "grouped" },
      group: { by: ["data.client_ip"], wait_s: 1 },
    });
    await post(bans(150, { ips: IPS }));
    await deliveriesIn(gateway, webhook.id, 150, ["delivered"]);
    const sent = hec.requests.flatMap((request) =>
      request.body.split("\n").map((line) => JSON.parse(line).event.data.n as number),
    );
    expect(sent.sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, n) => n));
    expect(hec.requests.length).toBeLessThan(150);
  });

  it("over syslog a digest format still sends each event as its own message, after the group's wait", async () => {
    const socket = createSocket("udp4");
    const messages: string[] = [];
    socket.on("message", (message) => messages.push(message.toString()));
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    try {
      const webhook = await subscribe(gateway, {
        url: `udp://127.0.0.1:${socket.address().port}`,
        format: "json",
        group: { by: [], wait_s: 1 },
      });
      await post(bans(5, { ips: IPS }));
      await deliveriesIn(gateway, webhook.id, 5, ["delivered"]);
      expect(messages).toHaveLength(5);
      const numbers = messages.map((message) => JSON.parse(message.slice(message.indexOf("{"))).data.n);
      expect(numbers.sort()).toEqual([0, 1, 2, 3, 4]);
    } finally {
      socket.close();
    }
  });

  it("refuses a group it cannot keep, naming the field", async () => {
    const refused = async (fields: object) => {
      const { status, body } = await gateway.api("POST", "/api/v1/webhooks", {
        name: "g",
        url: "http://127.0.0.1:9/",
        ...fields,
      });
      expect(status).toBe(422);
      return body.issues.map((issue: { path: string }) => issue.path);
    };
    expect(await refused({ group: { by: ["data.client_ip"] }, ordering: "fifo" })).toEqual(["group"]);
    expect(await refused({ group: { by: ["nonsense field"] } })).toEqual(["group.by.0"]);
    expect(await refused({ group: { by: [], max_events: 1 } })).toEqual(["group.max_events"]);
    expect(await refused({ group: { by: [], interval_s: 600 }, discard_after_s: 300 })).toEqual([
      "discard_after_s",
    ]);
  });
});
