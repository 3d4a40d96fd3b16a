import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BulkStandIn, createBulkStandIn } from "../support/elasticsearch";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { deliveriesIn, subscribe } from "../support/subscriptions";

describe("ECS documents to Elasticsearch's _bulk API through the gateway", () => {
  let gateway: TestGateway;
  let elasticsearch: BulkStandIn;
  let receiver: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
  });
  afterAll(() => gateway?.close());
  afterEach(() => receiver?.close());

  async function subscribeToElasticsearch() {
    elasticsearch = createBulkStandIn();
    receiver = await startReceiver(elasticsearch.answer);
    return subscribe(gateway, {
      url: `${receiver.origin}/_bulk`,
      format: "ecs",
      options: { index: "herald-events" },
      auth: { type: "api_key", token: "aWQ6a2V5" },
      event_types: ["hit"],
    });
  }
  const postHits = (titles: string[]) =>
    gateway.api(
      "POST",
      "/api/v1/events",
      titles.map((title) => ({ type: "hit", source: "wallarm", id: crypto.randomUUID(), title })),
    );

  it("indexes deliveries due together in one _bulk request, each recorded", async () => {
    const webhook = await subscribeToElasticsearch();
    expect(webhook.destination.kind).toBe("elasticsearch");
    const { body: destinations } = await gateway.api("GET", "/api/v1/destinations");
    const listed = destinations.data.find(
      (destination: { kind: string }) => destination.kind === "elasticsearch",
    );
    expect(listed).toMatchObject({ schemes: ["http", "https"], default_for_formats: ["ecs"] });
    await postHits(["one", "two", "three", "four", "five"]);
    const deliveries = await deliveriesIn(gateway, webhook.id, 5);
    expect(deliveries.map((delivery) => delivery.status)).toEqual(Array(5).fill("delivered"));
    expect(elasticsearch.documents.map((document) => document.source.message).sort()).toEqual([
      "five",
      "four",
      "one",
      "three",
      "two",
    ]);
    expect(receiver.requests.length).toBeLessThan(5);
    const [request] = receiver.requests;
    expect(request?.headers.authorization).toBe("ApiKey aWQ6a2V5");
    expect(request?.headers["content-type"]).toBe("application/x-ndjson");
    expect(request?.url).toMatch(/^\/_bulk\?filter_path=/);
  });

  it("fails a rejected document for good, retries a throttled one, and delivers the rest", async () => {
    const webhook = await subscribeToElasticsearch();
    elasticsearch.reject = (source) => source.message === "reject me";
    let throttled = 0;
    elasticsearch.throttle = (source) => source.message === "slow down" && throttled++ === 0;
    await postHits(["reject me", "slow down", "fine"]);
    const deliveries = await deliveriesIn(gateway, webhook.id, 3);
    const statuses = deliveries.map((delivery) => [delivery.status, delivery.attempt, delivery.error]);
    expect(statuses).toContainEqual([
      "dead",
      1,
      expect.stringMatching(/^Elasticsearch 400 mapper_parsing_exception/),
    ]);
    expect(statuses).toContainEqual(["delivered", 2, null]);
    expect(statuses).toContainEqual(["delivered", 1, null]);
    expect(elasticsearch.documents.map((document) => document.source.message).sort()).toEqual([
      "fine",
      "slow down",
    ]);
  });
});
