import { Worker } from "node:worker_threads";
import { type RenderSettings, renderSettingsOf } from "../delivery/render";
import { ValidationError } from "../errors";
import type { HeraldEvent } from "../events/event";
import type { Rendered } from "../formats/format";
import { RenderTimeoutError } from "../templates/handlebars";
import type { WebhookInput } from "../webhooks/schema";
import type { RenderTaskName, RenderTasks } from "./tasks";
import { fromTransferable, type TransferredError } from "./transfer";
import type { RenderRequest, RenderWorkerSettings } from "./worker";

/** A render whose worker failed or ran out of memory: the render failed and its worker was replaced. */
export class RenderAbortedError extends Error {
  override name = "RenderAbortedError";
}

export interface RenderPoolSettings extends RenderWorkerSettings {
  workers: number;
  /**
   * The workers' module: by default `worker-boot.mjs` beside this one (in the sources, the file
   * that loads the worker through tsx; beside a bundle, the bundled worker, src/bundle.mjs).
   */
  workerUrl?: URL;
}

/**
 * Templates compile and render in worker threads, never on the thread that answers requests and
 * sends deliveries: a template or an event that takes long costs its own worker's time, up to
 * `timeoutMs`, and nothing else.
 */
export interface RenderPool {
  /** What a webhook sends for these events (the delivery engine's renders). */
  /** `suppressed`: the repeats dedup suppressed before this message (0: none). */
  render(webhook: RenderSettings, events: HeraldEvent[], now: Date, suppressed?: number): Promise<Rendered>;
  /** Checks a webhook's format, options and template against samples; throws ValidationError. */
  validate(input: WebhookInput, now: Date): Promise<void>;
  /** What a webhook defined by `input` would send for `event`; throws ValidationError. */
  preview(input: WebhookInput, event: unknown, now: Date, eventPath?: string[]): Promise<Rendered>;
  close(): Promise<void>;
}

/**
 * Deliveries come first; previews and checks from the API may keep at most all workers but one
 * busy, so that a viewer posting slow templates never holds up delivery.
 */
type Lane = "delivery" | "api";

interface Task {
  lane: Lane;
  request: RenderRequest;
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Renders of one batch key (a webhook's row) may share a message; others go alone. */
  batch?: object;
  /** Sent to a worker on its own: it was in a message whose worker had to be replaced. */
  alone?: boolean;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  running?: { tasks: Task[]; timer: NodeJS.Timeout };
}

type TaskResult = { value: unknown } | { error: TransferredError };
type WorkerMessage = { ready: true } | { results: TaskResult[] };

const WORKER_URL = new URL("./worker-boot.mjs", import.meta.url);
/**
 * Each render stops itself at the time limit (between loop iterations, see limitRenderTime). A
 * task holds several renders (a webhook's check renders a sample of every subscribed type, a
 * batch one per event), so a worker is replaced only when its whole task runs far past that:
 * stuck outside a loop (compiling, a partial), not merely slowed by a busy machine.
 */
const HARD_TIMEOUT_FACTOR = 4;
const HARD_TIMEOUT_MIN_MS = 2000;
/**
 * Delivery renders waiting together go to a worker in one message, up to this many: a message
 * costs the main thread more than a render of a default template costs the worker.
 */
const TASKS_PER_MESSAGE = 32;
/** A worker that dies before it is ready is restarted after this pause, not in a tight loop. */
const RESTART_PAUSE_MS = 1000;
/** Heap for one worker: room for a batch of large events, and a bound for a template that hoards. */
const WORKER_HEAP_MB = 512;
/**
 * A render's garbage is short-lived and small: a young generation of 4 MB (V8's default grows to
 * 48 MB per thread) cut the burst bench's peak from 342 to 297 MiB at the same rate.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

export function createRenderPool(settings: RenderPoolSettings): RenderPool {
  const queues: Record<Lane, Task[]> = { delivery: [], api: [] };
  const slots = new Set<Slot>();
  let closed = false;

  const workerData: RenderWorkerSettings = {
    templatesDir: settings.templatesDir,
    timeoutMs: settings.timeoutMs,
    catalog: settings.catalog,
    maxBytesPerEvent: settings.maxBytesPerEvent,
    keyFields: settings.keyFields,
  };

  function spawn() {
    const worker = new Worker(settings.workerUrl ?? WORKER_URL, {
      workerData,
      resourceLimits: {
        maxOldGenerationSizeMb: WORKER_HEAP_MB,
        maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
      },
    });
    const slot: Slot = { worker, ready: false };
    slots.add(slot);
    worker.on("message", (message: WorkerMessage) => {
      if ("ready" in message) {
        slot.ready = true;
      } else if (slot.running) {
        const { tasks, timer } = slot.running;
        slot.running = undefined;
        clearTimeout(timer);
        for (const [index, result] of message.results.entries()) {
          const task = tasks[index] as Task;
          if ("error" in result) task.reject(fromTransferable(result.error));
          else task.resolve(result.value);
        }
        // The worker stopped early (a slow template): the rest wait again, behind what waits now.
        queues.delivery.push(...tasks.slice(message.results.length));
      }
      dispatch();
    });
    worker.on("error", (error) =>
      retire(slot, new RenderAbortedError(`the render worker failed: ${error.message}`)),
    );
    worker.on("exit", (code) =>
      retire(slot, new RenderAbortedError(`the render worker stopped (exit code ${code})`)),
    );
  }

  /**
   * Takes a worker out of the pool, fails what it was running with `failure`, and starts another
   * in its place.
   */
  function retire(slot: Slot, failure: Error) {
    if (!slots.delete(slot)) return;
    if (slot.running) {
      const { tasks, timer } = slot.running;
      clearTimeout(timer);
      // Which of several renders was to blame is unknown: each is tried again on its own.
      if (tasks.length === 1) tasks[0]?.reject(failure);
      else queues.delivery.unshift(...tasks.map((task) => ({ ...task, alone: true })));
    }
    void slot.worker.terminate();
    if (closed) return;
    if (slot.ready) spawn();
    else setTimeout(() => closed || spawn(), RESTART_PAUSE_MS).unref();
    dispatch();
  }

  function apiMayStart(): boolean {
    if (settings.workers === 1) return true;
    let ready = 0;
    let busyWithApi = 0;
    for (const slot of slots) {
      if (slot.ready) ready++;
      if (slot.running?.tasks[0]?.lane === "api") busyWithApi++;
    }
    return busyWithApi < ready - 1;
  }

  /**
   * The next message's tasks: the first waiting delivery render with the others waiting for the
   * same webhook (up to TASKS_PER_MESSAGE), else one API task. Only a webhook's own renders
   * share a message, so a slow template holds up its own webhook's renders and nobody else's.
   */
  function nextTasks(): Task[] {
    const { delivery } = queues;
    const first = delivery.shift();
    if (!first) {
      const task = apiMayStart() ? queues.api.shift() : undefined;
      return task ? [task] : [];
    }
    const tasks = [first];
    if (first.alone || first.batch === undefined) return tasks;
    for (let index = 0; index < delivery.length && tasks.length < TASKS_PER_MESSAGE; ) {
      const task = delivery[index] as Task;
      if (task.batch === first.batch && !task.alone) tasks.push(...delivery.splice(index, 1));
      else index++;
    }
    return tasks;
  }

  function dispatch() {
    for (const slot of slots) {
      if (!slot.ready || slot.running) continue;
      const tasks = nextTasks();
      if (tasks.length === 0) return;
      // Each render stops itself at the time limit; one of them may overrun it by the margin.
      const hardTimeoutMs =
        Math.max(settings.timeoutMs * HARD_TIMEOUT_FACTOR, HARD_TIMEOUT_MIN_MS) +
        settings.timeoutMs * (tasks.length - 1);
      const timer = setTimeout(() => retire(slot, new RenderTimeoutError(settings.timeoutMs)), hardTimeoutMs);
      slot.running = { tasks, timer };
      slot.worker.postMessage(tasks.map((task) => task.request));
    }
  }

  function run<Name extends RenderTaskName>(
    lane: Lane,
    batch: object | undefined,
    task: Name,
    ...args: Parameters<RenderTasks[Name]> extends [unknown, ...infer Rest] ? Rest : never
  ): Promise<ReturnType<RenderTasks[Name]>> {
    if (closed) return Promise.reject(new Error("the render pool is closed"));
    return new Promise((resolve, reject) => {
      queues[lane].push({
        lane,
        batch,
        request: { task, args },
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      dispatch();
    });
  }

  for (let i = 0; i < settings.workers; i++) spawn();

  return {
    // A webhook's renders may share a message (its row is the batch's key).
    render: (webhook, events, now, suppressed = 0) =>
      run("delivery", webhook, "render", renderSettingsOf(webhook), events, now, suppressed),
    validate: (input, now) => run("api", undefined, "validate", input, now).catch(asTemplateIssue),
    preview: (input, event, now, eventPath) =>
      run("api", undefined, "preview", input, event, now, eventPath).catch(asTemplateIssue),
    async close() {
      closed = true;
      for (const task of [...queues.delivery, ...queues.api])
        task.reject(new Error("the render pool is closed"));
      queues.delivery = [];
      queues.api = [];
      const stopping = [...slots];
      slots.clear();
      for (const { running } of stopping) {
        if (!running) continue;
        clearTimeout(running.timer);
        for (const task of running.tasks) task.reject(new Error("the render pool is closed"));
      }
      await Promise.all(stopping.map((slot) => slot.worker.terminate()));
    },
  };
}

/** For the API, a template that ran out of time or memory is a problem of the field `template`. */
function asTemplateIssue(error: unknown): never {
  if (error instanceof RenderAbortedError || error instanceof RenderTimeoutError) {
    throw new ValidationError([{ path: "template", message: error.message }]);
  }
  throw error;
}
