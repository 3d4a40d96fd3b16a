import type { FuzzAnswer, FuzzRequest } from "./fuzz-gateway";

/**
 * What is wrong with an answer, or undefined when nothing is: never a 5xx; every 4xx the error
 * shape `{error, message}`; a 400 names the body; a 422 lists issues, each naming a field the
 * request sent or the API declares (a whole-body issue, path "", only for a request with a body).
 */
export function answerProblem(request: FuzzRequest, answer: FuzzAnswer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  const unauthenticated = request.kind === "bad key" || request.kind === "no key";
  const guarded = request.path.startsWith("/api/v1/") && !request.path.startsWith("/api/v1/openapi.json");
  if (unauthenticated && guarded && ![401, 413, 429].includes(answer.status)) {
    return `a request with ${request.kind} answered ${answer.status}`;
  }
  if (answer.status < 400 || request.method === "HEAD") return undefined;
  // Node's HTTP parser answers headers over its 16 KiB itself, before the app sees the request.
  if (answer.status === 431 && answer.text === "") return undefined;
  let body: { error?: unknown; message?: unknown; issues?: unknown };
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `a ${answer.status} whose body is not JSON`;
  }
  if (typeof body?.error !== "string" || typeof body.message !== "string" || body.message === "") {
    return `a ${answer.status} without {error, message}`;
  }
  const { message } = body;
  switch (answer.status) {
    case 400:
      return message.startsWith("body: ") ? undefined : "a 400 whose message does not name the body";
    case 413:
      return message.startsWith("body: ") ? undefined : "a 413 whose message does not name the body";
    case 415:
      return message.includes("content-type")
        ? undefined
        : "a 415 whose message does not name the content-type";
    case 429:
      return answer.headers["retry-after"] ? undefined : "a 429 without Retry-After";
    case 422:
      return issuesProblem(request, body.issues);
    default:
      return undefined;
  }
}

function issuesProblem(request: FuzzRequest, issues: unknown): string | undefined {
  if (!Array.isArray(issues) || issues.length === 0) return "a 422 without issues";
  const named = namedFields(request);
  for (const issue of issues as { path?: unknown; message?: unknown }[]) {
    if (typeof issue?.path !== "string" || typeof issue.message !== "string" || issue.message === "") {
      return `a 422 issue without a path and a message: ${JSON.stringify(issue)}`;
    }
    if (issue.path === "") {
      if (!request.body?.length)
        return `a 422 issue naming the body of a request without one: ${issue.message}`;
      continue;
    }
    const first = issue.path.split(".")[0] ?? "";
    if (!named.has(first))
      return `a 422 issue naming "${issue.path}", which the request neither sent nor could send`;
  }
  return undefined;
}

/** The names a 422 may start a path with: the body's keys or indices, the query's names, the declared fields. */
function namedFields(request: FuzzRequest): Set<string> {
  const names = new Set(request.declaredFields ?? []);
  for (const name of new URL(request.path, "http://x").searchParams.keys()) names.add(name);
  try {
    const body = JSON.parse(request.body?.toString("utf8") ?? "");
    if (body && typeof body === "object") for (const key of Object.keys(body)) names.add(key);
  } catch {
    // Not JSON: nothing in it can be named.
  }
  return names;
}
