import { isObject } from "../../formats/format";
import { truncateChars } from "../../text";
import type { EventOutcome, SendOutcome } from "../destination";
import type { HttpAnswer } from "../http/answers";

// How Elasticsearch and OpenSearch answer the _bulk API (Elasticsearch reference, "Bulk API",
// response body and "Example with failed actions"): 200 with `errors` (true when any action
// failed) and `items`, one per action in the order sent, each `{ "<action>": { "status", "error":
// { "type", "reason" } } }`. The failure of one action does not affect the others.

/**
 * Only what the reader needs, so that a batch's answer stays small (a few dozen bytes a document
 * instead of a few hundred). `items.*.status` keeps every item in the answer: filter_path drops
 * the objects where no path matches, and the reader needs one item per document.
 */
export const BULK_FILTER_PATH = "errors,items.*.status,items.*.error.type,items.*.error.reason";

/** The most of one document's error kept, reason included. */
const MAX_ERROR_CHARS = 500;
/** How many distinct document errors a batch's error quotes. */
const QUOTED_ERRORS = 3;

/**
 * `url` with filter_path=BULK_FILTER_PATH added to its query (Elasticsearch and OpenSearch both
 * take filter_path on every API: "Common options" / "Common REST parameters"). Left as it is when
 * the operator set a filter_path of their own.
 */
export function bulkUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.searchParams.has("filter_path")) return url;
  // Appended to the query as written, so the operator's parameters keep their encoding.
  const parameter = `filter_path=${BULK_FILTER_PATH}`;
  parsed.search = parsed.search ? `${parsed.search}&${parameter}` : `?${parameter}`;
  return parsed.href;
}

/**
 * A _bulk answer read per document. `outcome` is the answer's plain HTTP classification; a
 * failed one (any non-2xx: the whole request was refused) is returned as it is. For a 2xx, the
 * batch succeeded when every document did, and is retryable when any failed document is; each
 * document's own outcome is in `perEvent`, in the order sent, when the answer reported failures.
 */
export function classifyBulkAnswer(
  answer: HttpAnswer,
  outcome: SendOutcome,
  eventCount: number,
): SendOutcome {
  if (!outcome.success || answer.statusCode < 200 || answer.statusCode > 299) return outcome;
  const body = parseJson(answer.body);
  if (!isObject(body)) return unreadable(outcome, "it is not a JSON object");
  if (body.errors === false) return outcome;
  const { items } = body;
  if (!Array.isArray(items)) return unreadable(outcome, "it has no items");
  if (items.length !== eventCount) {
    return unreadable(outcome, `it has ${items.length} items for ${eventCount} documents`);
  }
  const perEvent: EventOutcome[] = [];
  for (const item of items) {
    const itemOutcome = readItem(item);
    if (!itemOutcome) return unreadable(outcome, "an item has no action and status");
    perEvent.push(itemOutcome);
  }
  const failed = perEvent.filter((event) => !event.success);
  if (failed.length === 0) return { ...outcome, perEvent };
  return {
    ...outcome,
    success: false,
    retryable: failed.some((event) => event.retryable),
    error: batchError(failed, eventCount),
    perEvent,
  };
}

/**
 * An answer whose documents cannot be told apart. Retryable, because resending is safe and
 * giving up is not: the documents go with `create` and a fixed _id, so those already indexed
 * answer 409 the next time (counted as delivered) and none is indexed twice, where a permanent
 * failure would report documents Elasticsearch may hold as lost. The retry policy still bounds
 * the attempts, so a receiver that never answers readably ends in a dead delivery saying why.
 */
function unreadable(outcome: SendOutcome, why: string): SendOutcome {
  return {
    ...outcome,
    success: false,
    retryable: true,
    error: `could not read the _bulk answer: ${why}`,
  };
}

function readItem(item: unknown): EventOutcome | undefined {
  if (!isObject(item)) return undefined;
  const entries = Object.entries(item);
  const [action, result] = entries[0] ?? [];
  if (entries.length !== 1 || !isObject(result) || !Number.isInteger(result.status)) return undefined;
  const status = result.status as number;
  const error = isObject(result.error) ? result.error : {};
  const type = typeof error.type === "string" ? error.type : undefined;
  if (status >= 200 && status <= 299) return { success: true, retryable: false, error: null };
  // create refuses an _id that exists: this document was indexed by an earlier attempt. The
  // type is checked when the answer has it (a filter_path of the operator's may leave it out).
  if (
    action === "create" &&
    status === 409 &&
    (type ?? "version_conflict_engine_exception") === "version_conflict_engine_exception"
  ) {
    return { success: true, retryable: false, error: null };
  }
  const reason = typeof error.reason === "string" ? `: ${error.reason}` : "";
  return {
    success: false,
    retryable: status === 429 || status >= 500,
    // es_rejected_execution_exception: the cluster is overloaded, the webhook should back off.
    ...(status === 429 ? { throttled: true } : {}),
    error: truncateChars(`Elasticsearch ${status}${type ? ` ${type}` : ""}${reason}`, MAX_ERROR_CHARS),
  };
}

/** "2 of 100 documents failed: <error>; <error>", quoting a few distinct errors. */
function batchError(failed: EventOutcome[], eventCount: number): string {
  const distinct = [...new Set(failed.map((event) => event.error))];
  const quoted = distinct.slice(0, QUOTED_ERRORS).join("; ");
  const more = distinct.length > QUOTED_ERRORS ? `; and ${distinct.length - QUOTED_ERRORS} other errors` : "";
  return `${failed.length} of ${eventCount} documents failed: ${quoted}${more}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
