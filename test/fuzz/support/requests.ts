import fc from "fast-check";
import { ADMIN_TOKEN } from "../../support/gateway";
import { bearer, type FuzzRequest, JSON_TYPE } from "./fuzz-gateway";
import { garbageBody, hostileString, mutateOneField } from "./hostile";
import {
  arbitraryFromSchema,
  declaredFields,
  type JsonSchema,
  type OpenApiDocument,
  requestBodyOf,
} from "./schema-arbitrary";

/**
 * Requests to `method documentedPath` with a JSON body, sent to `path` (documentedPath with its
 * ids filled in): valid (the document's examples, `valid` when given, or generated from the body's
 * schema), almost valid (one of those with one field changed) and garbage bodies.
 */
export function bodyRequests(
  document: OpenApiDocument,
  method: string,
  documentedPath: string,
  path: fc.Arbitrary<string>,
  valid: fc.Arbitrary<unknown>[] = [],
): fc.Arbitrary<FuzzRequest> {
  const { schema, examples } = requestBodyOf(document, method, documentedPath);
  const fields = declaredFields(document, schema);
  const validBody = fc.oneof(
    ...valid,
    ...(examples.length > 0 ? [fc.constantFrom(...examples)] : []),
    arbitraryFromSchema(document, schema),
  );
  const request = (kind: string, body: fc.Arbitrary<unknown>) =>
    fc.record({ path, body }).map(({ path: sentTo, body: sent }) => ({
      method: method.toUpperCase(),
      path: sentTo,
      headers: [bearer(), JSON_TYPE],
      body: Buffer.isBuffer(sent) ? sent : Buffer.from(JSON.stringify(sent)),
      declaredFields: fields,
      kind,
    }));
  return fc.oneof(
    { weight: 3, arbitrary: request("valid", validBody) },
    { weight: 4, arbitrary: request("almost-valid", validBody.chain(mutateOneField)) },
    { weight: 2, arbitrary: request("garbage", garbageBody) },
  );
}

/** The query parameters `method path` documents, each left out, valid for its schema, or hostile. */
export function queryOf(
  document: OpenApiDocument,
  method: string,
  documentedPath: string,
): fc.Arbitrary<string> {
  const parameters = (
    (
      document.paths[documentedPath]?.[method] as {
        parameters?: { in: string; name: string; schema?: JsonSchema }[];
      }
    )?.parameters ?? []
  ).filter((parameter) => parameter.in === "query");
  const values = parameters.map((parameter) =>
    fc.option(
      fc.oneof(
        arbitraryFromSchema(document, parameter.schema ?? { type: "string" }).map(String),
        hostileString,
        fc.constantFrom("", "0", "-1", "1001", "1.5", "2026-02-30T00:00:00Z", "eyJ4IjoxfQ", "%", "%zz"),
      ),
      { freq: 2 },
    ),
  );
  return fc.tuple(...values).map((chosen) => {
    const pairs = chosen.flatMap((value, index) =>
      value === null ? [] : [`${parameters[index]?.name}=${encodeQueryValue(value)}`],
    );
    return pairs.length > 0 ? `?${pairs.join("&")}` : "";
  });
}

/** Percent-encodes a value, except a few raw "%" sequences left as the generator made them. */
function encodeQueryValue(value: string): string {
  if (value === "%" || value === "%zz") return value;
  // Lone surrogates cannot be percent-encoded: send their replacement, as a browser would.
  return encodeURIComponent(value.toWellFormed());
}

/** A path segment for an id: a random UUID (found nowhere), hostile text, or one of `known`. */
export function idSegment(known: () => string[]): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .constant(null)
        .map(() => known())
        .chain((ids) => (ids.length > 0 ? fc.constantFrom(...ids.map(encodeURIComponent)) : fc.uuid())),
    },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: hostileString.map((text) => encodeURIComponent(text.toWellFormed()) || "x") },
  );
}

/**
 * The request with its Authorization changed: mostly left as the admin's, else missing, an
 * unknown or malformed key ("bad key": 401, or 429 once the failure limit is reached), or the
 * key of another role (`keys`: role to key).
 */
export function withAuthorization(
  request: fc.Arbitrary<FuzzRequest>,
  keys: () => Record<string, string>,
): fc.Arbitrary<FuzzRequest> {
  const keep = { header: bearer(ADMIN_TOKEN), kind: "" };
  const authorization = fc.oneof(
    { weight: 12, arbitrary: fc.constant<{ header: [string, string] | null; kind: string }>(keep) },
    { weight: 1, arbitrary: fc.constant({ header: null, kind: "no key" }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<[string, string]>(
          bearer("hk_not_a_key"),
          bearer(""),
          ["authorization", "Basic YTpi"],
          ["authorization", `Bearer ${"k".repeat(8000)}`],
        )
        .map((header) => ({ header, kind: "bad key" })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom("viewer", "ingest")
        .map((role) => ({ header: bearer(keys()[role] ?? "no such role"), kind: `${role} key` })),
    },
  );
  return fc.tuple(request, authorization).map(([sent, { header, kind }]) => ({
    ...sent,
    headers: [...(header ? [header] : []), ...sent.headers.filter(([name]) => name !== "authorization")],
    kind: kind || sent.kind,
  }));
}
