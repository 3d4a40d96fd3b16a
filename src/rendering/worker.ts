import { parentPort, workerData } from "node:worker_threads";
import type { KeyFieldTable } from "../formats/key-fields";
import { FORMATS } from "../formats/registry";
import { createTemplateEngine } from "../templates/handlebars";
import { sampleEvent } from "../webhooks/validate";
import { RENDER_TASKS, type RenderTaskDeps, type RenderTaskName } from "./tasks";
import { toTransferable } from "./transfer";

/** Settings the pool hands each worker when it starts it. */
export interface RenderWorkerSettings {
  templatesDir?: string;
  /** A render stops itself after this long; the pool's own, later timer is the backstop. */
  timeoutMs: number;
  catalog: Record<string, string>;
  maxBytesPerEvent: number;
  /** The key fields table (built-in names and HERALD_FIELD_ALIASES'), as plain data. */
  keyFields: KeyFieldTable;
}

export interface RenderRequest {
  task: RenderTaskName;
  args: unknown[];
}

const settings = workerData as RenderWorkerSettings;
const templates = createTemplateEngine(FORMATS, settings.templatesDir);
const deps: RenderTaskDeps = {
  templates,
  catalog: settings.catalog,
  maxBytesPerEvent: settings.maxBytesPerEvent,
  keyFields: settings.keyFields,
};
warmUp();
templates.limitRenderTime(settings.timeoutMs);
const port = parentPort;
if (!port) throw new Error("the render worker runs only as a worker thread");

/**
 * A message's renders (one webhook's) stop once they have taken this long, and the pool queues
 * the rest again behind what waits: a slow template cannot hold a worker for a whole batch.
 */
const MESSAGE_BUDGET_MS = 20;

// One message at a time, its requests answered together: the pool sends the next only after this answer.
port.on("message", (requests: RenderRequest[]) => {
  const started = performance.now();
  const results = [];
  for (const request of requests) {
    results.push(runTask(request));
    if (performance.now() - started > MESSAGE_BUDGET_MS) break;
  }
  port.postMessage({ results });
});
port.postMessage({ ready: true });

function runTask({ task, args }: RenderRequest) {
  try {
    const run = RENDER_TASKS[task] as (deps: RenderTaskDeps, ...args: unknown[]) => unknown;
    return { value: run(deps, ...args) };
  } catch (error) {
    return { error: toTransferable(error) };
  }
}

/**
 * Compiles every default template and renders a sample with it before the worker says it is
 * ready: a cold first render (loading, JIT) would otherwise count against the time limit.
 */
function warmUp() {
  const now = new Date();
  for (const format of FORMATS) {
    deps.templates.compile(deps.templates.defaultSource(format.name));
    // A format whose options need values (a routing key) has no sample to render.
    if (!format.optionsSchema.safeParse({}).success) continue;
    const webhook = {
      format: format.name,
      options: {},
      template: null,
      destination: { kind: "http" },
      url: "https://warm-up.invalid/",
    };
    RENDER_TASKS.render(deps, webhook, [sampleEvent("hit", now)], now);
  }
}
