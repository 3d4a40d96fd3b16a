import fc from "fast-check";
import { answerProblem } from "./answer-checks";
import type { FuzzAnswer, FuzzGateway, FuzzRequest } from "./fuzz-gateway";

/** The seed of every run: the same requests each time, unless FUZZ_SEED says otherwise. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_260_223);
/** Requests across the whole suite; FUZZ_RUNS=100000 for a deep local run. */
export const TOTAL_REQUESTS = Number(process.env.FUZZ_RUNS ?? 10_000);
/** Requests in flight at once against one gateway. */
const CONCURRENCY = 16;

export interface FuzzCounts {
  requests: number;
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
}

/**
 * Sends `share` of the suite's requests, drawn from `requests` with the suite's seed, CONCURRENCY
 * at a time, and fails on the first answer `answerProblem` or `check` finds wrong, naming the
 * request, its number and the seed. Prints the counts. (Requests are drawn up front rather than
 * run as a fast-check property: a pool keeps the gateway busy where batches would wait on their
 * slowest, and shrinking means little against a gateway that keeps state.)
 */
export async function runFuzz(
  fuzz: FuzzGateway,
  area: string,
  share: number,
  requests: fc.Arbitrary<FuzzRequest>,
  check: (request: FuzzRequest, answer: FuzzAnswer) => void | Promise<void> = () => {},
): Promise<FuzzCounts> {
  const counts: FuzzCounts = { requests: 0, byKind: {}, byStatus: {} };
  const total = Math.max(1, Math.round(TOTAL_REQUESTS * share));
  const startedAt = performance.now();
  const drawn = fc.sample(requests, { seed: FUZZ_SEED, numRuns: total });
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < drawn.length; index = next++) {
      const request = drawn[index] as FuzzRequest;
      try {
        const answer = await fuzz.send(request).catch((error: Error) => {
          throw new Error(`no answer: ${error.message}`);
        });
        const problem = answerProblem(request, answer);
        if (problem) throw new Error(`${problem}; answer: ${answer.text.slice(0, 500)}`);
        await check(request, answer);
        counts.requests++;
        counts.byKind[request.kind] = (counts.byKind[request.kind] ?? 0) + 1;
        counts.byStatus[answer.status] = (counts.byStatus[answer.status] ?? 0) + 1;
      } catch (error) {
        next = drawn.length;
        throw new Error(
          `fuzz ${area}, request ${index} of seed ${FUZZ_SEED}: ${(error as Error).message}\n${describeRequest(request)}`,
          { cause: error },
        );
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    `fuzz ${area}: ${counts.requests} requests in ${seconds} s (seed ${FUZZ_SEED}); by kind ${JSON.stringify(counts.byKind)}; by status ${JSON.stringify(counts.byStatus)}`,
  );
  return counts;
}

/** The request as a failure names it: method, path, kind, headers and the body as text. */
export function describeRequest(request: FuzzRequest): string {
  const body = request.body?.toString("utf8") ?? "";
  const shown = body.length > 600 ? `${body.slice(0, 600)}… (${body.length} chars)` : body;
  return `${request.method} ${request.path} [${request.kind}] headers ${JSON.stringify(request.headers.filter(([name]) => name !== "authorization"))}\nbody: ${shown}`;
}
