import type { Answer, RecordedRequest } from "./receiver";

// A stand-in for Elasticsearch's _bulk API (POST /_bulk and POST /<index>/_bulk), answering as the
// Elasticsearch reference documents it ("Bulk API": NDJSON action and source lines, the final
// newline required, one item per action in order, `errors` when any failed). It takes the
// `create` and `index` actions, the ones that carry a document; others are refused.

export interface IndexedDocument {
  index: string;
  id: string;
  pipeline: string | null;
  source: Record<string, unknown>;
}

export interface BulkStandIn {
  /** Answers one request; give it to startReceiver. */
  answer(request: RecordedRequest): Answer;
  /** Every document indexed, in order (an `index` of an existing _id replaces it in place). */
  documents: IndexedDocument[];
  /** Documents refused as a mapping error would be: 400 mapper_parsing_exception. */
  reject: (source: Record<string, unknown>) => boolean;
  /** Documents refused as a full write queue would be: 429 es_rejected_execution_exception. */
  throttle: (source: Record<string, unknown>) => boolean;
  /** When set, every request gets this answer instead (a 503, a 401, a proxy's page…). */
  overall: Answer | null;
}

/** `presentIds`: _ids that exist already in every index, so that `create` answers 409 for them. */
export function createBulkStandIn(presentIds: string[] = []): BulkStandIn {
  let seqNo = 0;
  let generatedIds = 0;

  function answer(request: RecordedRequest): Answer {
    if (standIn.overall) return standIn.overall;
    const url = new URL(request.url, "http://stand-in");
    const pathIndex = url.pathname.match(/^\/(?:([^/]+)\/)?_bulk$/);
    if (request.method !== "POST" || !pathIndex)
      return json(404, { error: `not a _bulk request: ${request.url}` });
    const contentType = String(request.headers["content-type"] ?? "");
    if (!/^application\/(x-ndjson|json)\b/.test(contentType)) {
      return json(406, { error: `Content-Type header [${contentType}] is not supported`, status: 406 });
    }
    if (request.body === "")
      return failure(400, "action_request_validation_exception", "Validation Failed: 1: no requests added;");
    // The reason as Elasticsearch writes it: a backslash and an n between the brackets.
    if (!request.body.endsWith("\n"))
      return failure(
        400,
        "illegal_argument_exception",
        "The bulk request must be terminated by a newline [\\n]",
      );

    const lines = request.body
      .slice(0, -1)
      .split("\n")
      .map((line) => line.replace(/\r$/, ""));
    const items: Record<string, unknown>[] = [];
    for (let number = 0; number < lines.length; number += 2) {
      const action = parseAction(lines[number] ?? "", number + 1);
      if ("error" in action) return action.error;
      const index = action.meta._index ?? (pathIndex[1] ? decodeURIComponent(pathIndex[1]) : undefined);
      if (typeof index !== "string")
        return failure(400, "action_request_validation_exception", "Validation Failed: 1: index is missing;");
      const pipeline = action.meta.pipeline ?? url.searchParams.get("pipeline");
      items.push({ [action.name]: item(action.name, index, action.meta._id, pipeline, lines[number + 1]) });
    }
    const result = {
      took: 3,
      errors: items.some((entry) => "error" in (Object.values(entry)[0] as object)),
      items,
    };
    const filterPath = url.searchParams.get("filter_path");
    return json(
      200,
      filterPath
        ? (filtered(
            result,
            filterPath.split(",").map((path) => path.split(".")),
          ) ?? {})
        : result,
    );
  }

  function item(
    action: string,
    index: string,
    givenId: unknown,
    pipeline: unknown,
    sourceLine: string | undefined,
  ) {
    const id = typeof givenId === "string" ? givenId : `generated-${++generatedIds}`;
    const base = { _index: index, _id: id };
    let source: unknown;
    try {
      source = JSON.parse(sourceLine ?? "");
    } catch (error) {
      return itemFailure(
        base,
        400,
        "mapper_parsing_exception",
        `failed to parse: ${(error as Error).message}`,
      );
    }
    if (typeof source !== "object" || source === null || Array.isArray(source)) {
      return itemFailure(base, 400, "mapper_parsing_exception", "failed to parse, document is empty");
    }
    const document = source as Record<string, unknown>;
    if (standIn.throttle(document)) {
      return itemFailure(
        base,
        429,
        "es_rejected_execution_exception",
        "rejected execution of coordinating operation",
      );
    }
    if (standIn.reject(document)) {
      return itemFailure(
        base,
        400,
        "mapper_parsing_exception",
        "failed to parse field [herald] of type [keyword]",
      );
    }
    const existing = standIn.documents.findIndex((doc) => doc.index === index && doc.id === id);
    const present = existing >= 0 || presentIds.includes(id);
    if (action === "create" && present) {
      return itemFailure(
        base,
        409,
        "version_conflict_engine_exception",
        `[${id}]: version conflict, document already exists (current version [1])`,
      );
    }
    const indexed = { index, id, pipeline: typeof pipeline === "string" ? pipeline : null, source: document };
    if (existing >= 0) standIn.documents[existing] = indexed;
    else standIn.documents.push(indexed);
    return {
      ...base,
      _version: present ? 2 : 1,
      result: present ? "updated" : "created",
      _shards: { total: 2, successful: 1, failed: 0 },
      _seq_no: seqNo++,
      _primary_term: 1,
      status: present ? 200 : 201,
    };
  }

  const standIn: BulkStandIn = {
    answer,
    documents: [],
    reject: () => false,
    throttle: () => false,
    overall: null,
  };
  return standIn;
}

type ParsedAction = { name: string; meta: Record<string, unknown> } | { error: Answer };

function parseAction(line: string, number: number): ParsedAction {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return { error: failure(400, "x_content_parse_exception", `[${number}:1] ${(error as Error).message}`) };
  }
  const [name, meta] = Object.entries(typeof parsed === "object" && parsed !== null ? parsed : {})[0] ?? [];
  if (name !== "create" && name !== "index") {
    return {
      error: failure(
        400,
        "illegal_argument_exception",
        `Malformed action/metadata line [${number}], expected one of [create, index] but found [${name}]`,
      ),
    };
  }
  return { name, meta: typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>) : {} };
}

function itemFailure(base: object, status: number, type: string, reason: string) {
  return { ...base, status, error: { type, reason, index: (base as { _index: string })._index } };
}

function json(status: number, body: unknown): Answer {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** Elasticsearch's error body for a refused request. */
function failure(status: number, type: string, reason: string): Answer {
  return json(status, { error: { root_cause: [{ type, reason }], type, reason }, status });
}

/**
 * filter_path's plain and `*` paths (Elasticsearch "Common options: Response filtering"): keeps
 * what a path reaches, walks through arrays, and drops objects where no path matched.
 */
function filtered(value: unknown, paths: string[][]): unknown {
  if (paths.some((path) => path.length === 0)) return value;
  if (Array.isArray(value)) {
    const kept = value.map((element) => filtered(element, paths)).filter((element) => element !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const kept: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const rest = paths.filter(([first]) => first === key || first === "*").map((path) => path.slice(1));
    const result = rest.length > 0 ? filtered(child, rest) : undefined;
    if (result !== undefined) kept[key] = result;
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}
