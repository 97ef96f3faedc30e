/**
 * Template Rego on a second thread. Checking and analysing the Rego of templates is most of what a
 * scan of a Gatekeeper library costs the main thread beside reading YAML, and each job is a pure
 * function of plain data (template-rego.ts). So jobs are run only when linking takes their results,
 * and once a scan has MIN_JOBS of them a worker thread is started and sent every job, to run while
 * the main thread reads on.
 *
 * Each job has a shared state word, and whichever thread claims it first runs it: the worker takes
 * jobs in the order they come; the main thread runs a job it needs that no thread has started, and
 * while it waits for one the worker is running, it runs the latest jobs no thread has started. So a
 * scan never waits for the worker to start, and a job is never run twice unless the worker fails or
 * takes longer than WAIT_MS over it (then the main thread runs it too, with the same result).
 * Below MIN_JOBS the worker would cost more to start than it takes off the main thread (measured in
 * docs/performance.md). Only the built package (dist/) has the worker's file: run from the
 * TypeScript sources, every job runs on the main thread.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { lazy } from '../../lazy';
import { runRegoJob, type RegoJob, type RegoResult } from './template-rego';

/** A job's state word: who has it. */
export const QUEUED = 0;
export const ON_WORKER = 1;
export const DONE = 2;
export const FAILED = 3;
const ON_MAIN = 4;

/** What the worker is sent: the job, its id and its state word. */
export interface Posted {
  id: number;
  job: RegoJob;
  state: SharedArrayBuffer;
}

/** What the worker sends back, before it sets the job's state to DONE. */
export interface Answer {
  id: number;
  result: RegoResult;
}

const WORKER_FILE = path.join(__dirname, 'template-worker.js');
export const MIN_JOBS = 64;
const WAIT_MS = 10_000;
/**
 * V8's stack limit on the main thread is 984 KiB; Node gives a worker the size asked for less 192
 * KiB. The same limit on both threads keeps "nested too deeply to analyse" where it was.
 */
const WORKER_STACK_MB = (984 + 192) / 1024;
/**
 * The worker's young generation, far below the default: its collections are cheap (little of an
 * analysis outlives it) and it adds this much to the scan's peak memory rather than tens of MiB.
 */
const WORKER_YOUNG_MB = 4;

export interface TemplatePool {
  /** The result of `job`, run when asked for unless the worker has run it by then. */
  rego(job: RegoJob): () => RegoResult;
  /** Stops the worker (the scan's last result has been taken). */
  close(): void;
}

/** A job as the main thread keeps it. */
interface Entry {
  id: number;
  job: RegoJob;
  shared: SharedArrayBuffer;
  state: Int32Array;
}

/** `enabled: false`: every job runs on the main thread. */
export function templatePool(enabled: boolean): TemplatePool {
  let usable = enabled;
  let worker: { thread: Worker; port: MessagePort } | undefined;
  /** Jobs this thread may still run ahead of being asked for, while it waits for the worker. */
  let unstarted: Entry[] = [];
  const answers = new Map<number, RegoResult>();
  const ranEarly = new Map<number, RegoResult>();

  const post = ({ id, job, shared }: Entry): void => {
    try {
      worker!.port.postMessage({ id, job, state: shared } satisfies Posted);
    } catch {
      // Parameters that cannot be copied to another thread: the job stays QUEUED, for this one.
    }
  };

  const start = (): void => {
    if (!fs.existsSync(WORKER_FILE)) return void (usable = false);
    try {
      const { port1, port2 } = new MessageChannel();
      const resourceLimits = { stackSizeMb: WORKER_STACK_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB };
      const thread = new Worker(WORKER_FILE, { workerData: { port: port2 }, transferList: [port2], resourceLimits });
      thread.unref();
      // An error ends the worker; jobs it had claimed time out or say FAILED, and run here.
      thread.on('error', () => undefined);
      worker = { thread, port: port1 };
      unstarted.forEach(post);
    } catch {
      usable = false;
    }
  };

  const claim = (e: Entry): boolean => Atomics.compareExchange(e.state, 0, QUEUED, ON_MAIN) === QUEUED;

  /** The latest job no thread has started, claimed: the worker takes the earliest. */
  const latestUnclaimed = (): Entry | undefined => {
    for (let e = unstarted.pop(); e; e = unstarted.pop()) if (claim(e)) return e;
    return undefined;
  };

  /** The worker's answer to job `id` (it has left ON_WORKER); undefined if none came. */
  const answer = (id: number): RegoResult | undefined => {
    if (!worker) return undefined;
    for (let m = receiveMessageOnPort(worker.port); m; m = receiveMessageOnPort(worker.port)) {
      const a = m.message as Answer;
      answers.set(a.id, a.result);
    }
    const found = answers.get(id);
    answers.delete(id);
    return found;
  };

  const take = (e: Entry): RegoResult => {
    const early = ranEarly.get(e.id);
    ranEarly.delete(e.id);
    if (early) return early;
    if (claim(e)) return runRegoJob(e.job);
    // The worker has it: meanwhile run the jobs no thread has started, else wait.
    while (Atomics.load(e.state, 0) === ON_WORKER) {
      const other = latestUnclaimed();
      if (other) ranEarly.set(other.id, runRegoJob(other.job));
      else if (Atomics.wait(e.state, 0, ON_WORKER, WAIT_MS) === 'timed-out') break;
    }
    // The answer is posted before the state leaves ON_WORKER.
    return answer(e.id) ?? runRegoJob(e.job);
  };

  let jobs = 0;
  return {
    rego(job) {
      if (!usable) return lazy(() => runRegoJob(job));
      const shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
      const e: Entry = { id: ++jobs, job, shared, state: new Int32Array(shared) };
      unstarted.push(e);
      if (worker) post(e);
      else if (jobs >= MIN_JOBS) start();
      return lazy(() => take(e));
    },
    close() {
      [usable, unstarted] = [false, []];
      if (!worker) return;
      worker.port.close();
      void worker.thread.terminate();
      worker = undefined;
    },
  };
}
