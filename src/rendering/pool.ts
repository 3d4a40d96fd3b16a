import { Worker } from "node:worker_threads";
import { type RenderSettings, renderSettingsOf } from "../delivery/render";
import { ValidationError } from "../errors";
import type { HeraldEvent } from "../events/event";
import type { Rendered } from "../formats/format";
import type { WebhookInput } from "../webhooks/schema";
import type { RenderTaskName, RenderTasks } from "./tasks";
import { fromTransferable, type TransferredError } from "./transfer";
import type { RenderRequest, RenderWorkerSettings } from "./worker";

/** A template that ran out of time, or of memory: the render failed and its worker was replaced. */
export class RenderAbortedError extends Error {
  override name = "RenderAbortedError";
}

export interface RenderPoolSettings extends RenderWorkerSettings {
  workers: number;
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
}

interface Slot {
  worker: Worker;
  ready: boolean;
  running?: { task: Task; timer: NodeJS.Timeout };
}

type WorkerMessage = { ready: true } | { value: unknown } | { error: TransferredError };

const WORKER_URL = new URL("./worker-boot.mjs", import.meta.url);
/**
 * Each render stops itself at the time limit (between loop iterations, see limitRenderTime). A
 * task holds several renders (a webhook's check renders a sample of every subscribed type, a
 * batch one per event), so a worker is replaced only when its whole task runs far past that:
 * stuck outside a loop (compiling, a partial), not merely slowed by a busy machine.
 */
const HARD_TIMEOUT_FACTOR = 4;
const HARD_TIMEOUT_MIN_MS = 2000;
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
    const worker = new Worker(WORKER_URL, {
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
        const { task, timer } = slot.running;
        slot.running = undefined;
        clearTimeout(timer);
        if ("error" in message) task.reject(fromTransferable(message.error));
        else task.resolve(message.value);
      }
      dispatch();
    });
    worker.on("error", (error) => retire(slot, `the render worker failed: ${error.message}`));
    worker.on("exit", (code) => retire(slot, `the render worker stopped (exit code ${code})`));
  }

  /** Takes a worker out of the pool, fails what it was running, and starts another in its place. */
  function retire(slot: Slot, reason: string) {
    if (!slots.delete(slot)) return;
    if (slot.running) {
      clearTimeout(slot.running.timer);
      slot.running.task.reject(new RenderAbortedError(reason));
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
      if (slot.running?.task.lane === "api") busyWithApi++;
    }
    return busyWithApi < ready - 1;
  }

  function dispatch() {
    for (const slot of slots) {
      if (!slot.ready || slot.running) continue;
      const task = queues.delivery.shift() ?? (apiMayStart() ? queues.api.shift() : undefined);
      if (!task) return;
      const timer = setTimeout(
        () => retire(slot, `the template took longer than ${settings.timeoutMs} ms to render`),
        Math.max(settings.timeoutMs * HARD_TIMEOUT_FACTOR, HARD_TIMEOUT_MIN_MS),
      );
      slot.running = { task, timer };
      slot.worker.postMessage(task.request);
    }
  }

  function run<Name extends RenderTaskName>(
    lane: Lane,
    task: Name,
    ...args: Parameters<RenderTasks[Name]> extends [unknown, ...infer Rest] ? Rest : never
  ): Promise<ReturnType<RenderTasks[Name]>> {
    if (closed) return Promise.reject(new Error("the render pool is closed"));
    return new Promise((resolve, reject) => {
      queues[lane].push({
        lane,
        request: { task, args },
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      dispatch();
    });
  }

  for (let i = 0; i < settings.workers; i++) spawn();

  return {
    render: (webhook, events, now, suppressed = 0) =>
      run("delivery", "render", renderSettingsOf(webhook), events, now, suppressed),
    validate: (input, now) => run("api", "validate", input, now).catch(asTemplateIssue),
    preview: (input, event, now, eventPath) =>
      run("api", "preview", input, event, now, eventPath).catch(asTemplateIssue),
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
        running.task.reject(new Error("the render pool is closed"));
      }
      await Promise.all(stopping.map((slot) => slot.worker.terminate()));
    },
  };
}

/** For the API, a template that ran out of time or memory is a problem of the field `template`. */
function asTemplateIssue(error: unknown): never {
  if (error instanceof RenderAbortedError) {
    throw new ValidationError([{ path: "template", message: error.message }]);
  }
  throw error;
}
