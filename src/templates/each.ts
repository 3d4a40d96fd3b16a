import type Handlebars from "handlebars";
import type { HelperOptions } from "handlebars";

/** What Herald's {{#each}} reports to the engine. */
export interface EachHooks {
  /** Called before every iteration: throws to stop a render that has run out of time. */
  beforeIteration(): void;
  /**
   * Called when the @first and @last the iterations got, or the {{else}} taken, are not what a
   * list without holes gives (json-proof.ts counts on them): an array with holes.
   */
  unusualPositions(): void;
}

type Iteration = (context: unknown, options: { data?: unknown; blockParams?: unknown[] }) => string;

/** One {{#each}} under way. */
interface Loop {
  hooks: EachHooks;
  iteration: Iteration;
  declaresBlockParams: boolean;
  data: Record<string, unknown> | undefined;
  contextPath: string | undefined;
  ret: string;
  runs: number;
  lastRun: boolean;
}

/**
 * Handlebars' {{#each}} (helpers/each.js of Handlebars 4.7: arrays, iterables, objects, the same
 * @key, @index, @first, @last, block params and {{else}}, the same errors), written as one helper
 * so that the time limit costs a call per iteration rather than two closures per loop and a
 * detour per iteration around the built-in one.
 */
export function eachHelper(handlebars: typeof Handlebars, hooks: EachHooks) {
  const { createFrame, Exception } = handlebars;
  return function each(this: unknown, context: unknown, options: HelperOptions): string {
    if (!options) throw new Exception("Must pass iterator to #each");
    // Named as the wrapper around the built-in named them, for the same TypeError messages.
    const iteration = options.fn as unknown as Iteration;
    const inverse = options.inverse as unknown as (context: unknown) => string;
    const frame = options.data as { contextPath?: string } | undefined;
    const ids = (options as { ids?: string[] }).ids;
    const loop: Loop = {
      hooks,
      iteration,
      declaresBlockParams: ((iteration as { blockParams?: number } | undefined)?.blockParams ?? 0) > 0,
      data: frame ? (createFrame(frame) as Record<string, unknown>) : undefined,
      contextPath: frame && ids ? `${frame.contextPath ? `${frame.contextPath}.` : ""}${ids[0]}.` : undefined,
      ret: "",
      runs: 0,
      lastRun: false,
    };
    const list: unknown = typeof context === "function" ? context.call(this) : context;
    let i = 0;
    if (list && typeof list === "object") {
      if (Array.isArray(list)) {
        for (const j = list.length; i < j; i++)
          if (i in list) run(loop, i, i, i === list.length - 1, list[i]);
      } else if ((list as Partial<Iterable<unknown>>)[Symbol.iterator]) {
        const iterator = (list as Iterable<unknown>)[Symbol.iterator]();
        for (let current = iterator.next(); !current.done; i++) {
          const next = iterator.next();
          try {
            run(loop, i, i, Boolean(next.done), current.value);
          } catch (error) {
            // Closed as for...of closes it, so that a generator runs its clean-up; the block's error wins.
            if (!next.done) closeQuietly(iterator);
            throw error;
          }
          current = next;
        }
      } else {
        const record = list as Record<string, unknown>;
        let priorKey: string | undefined;
        for (const key of Object.keys(record)) {
          // One step behind, as Handlebars does, to know the last without a list of keys.
          if (priorKey !== undefined) run(loop, priorKey, i - 1, false, record[priorKey]);
          priorKey = key;
          i++;
        }
        if (priorKey !== undefined) run(loop, priorKey, i - 1, true, record[priorKey]);
      }
    }
    if (i === 0) return inverse(this);
    if (loop.runs === 0 || !loop.lastRun) hooks.unusualPositions();
    return loop.ret;
  };
}

function run(loop: Loop, field: unknown, index: number, last: boolean, value: unknown): void {
  loop.hooks.beforeIteration();
  const { data } = loop;
  if (data) {
    data.key = field;
    data.index = index;
    data.first = index === 0;
    data.last = last;
    if (loop.contextPath) data.contextPath = loop.contextPath + field;
  }
  if (loop.runs++ === 0 && index !== 0) loop.hooks.unusualPositions();
  loop.lastRun = last;
  const { iteration } = loop;
  // Block params only for a block that declares them (as |item index|): no other reads them.
  const blockParams = loop.declaresBlockParams ? [value, field] : undefined;
  loop.ret += iteration(value, { data, blockParams });
}

function closeQuietly(iterator: Iterator<unknown>): void {
  try {
    iterator.return?.();
  } catch {
    // The block's error is the one to report.
  }
}
