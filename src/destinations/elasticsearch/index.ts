import { z } from "zod";
import type { Destination } from "../destination";
import { HTTP_SCHEMES, HTTP_SECRET_PATHS, httpSettingsShape } from "../http/index";
import { createHttpSender, type HttpSettingsBase } from "../http/sender";
import { bulkUrl, classifyBulkAnswer } from "./bulk-answer";

/** A _bulk answer lists every document; with filter_path, about 100 bytes each. */
const BULK_ANSWER_BYTES = 1024 * 1024;

/**
 * Elasticsearch or OpenSearch through the _bulk API (the ecs format's receivers). A 200 answer
 * may still reject documents: each event gets its own outcome, so a rejected document fails its
 * delivery for good, a throttled one (429) is retried, and the others are delivered.
 */
export const elasticsearchDestination: Destination<HttpSettingsBase> = {
  kind: "elasticsearch",
  description: "Elasticsearch or OpenSearch _bulk API: NDJSON batches, each document's own result",
  schemes: HTTP_SCHEMES,
  settingsSchema: z.strictObject(httpSettingsShape),
  secretPaths: HTTP_SECRET_PATHS,
  sendsHeaders: true,
  open: (context) =>
    createHttpSender(context, {
      answerBytes: BULK_ANSWER_BYTES,
      url: bulkUrl,
      classify: (answer, outcome, request) => classifyBulkAnswer(answer, outcome, request.eventCount),
    }),
};
