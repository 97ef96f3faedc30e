/**
 * The worker thread of template-pool.ts: runs each job it is sent that the main thread has not
 * claimed, sends the analysis back, then marks the job DONE (or FAILED, for the main thread to run).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { runRegoJob } from './template-rego';
import { DONE, FAILED, ON_WORKER, QUEUED, type Answer, type Posted } from './template-pool';

const { port } = workerData as { port: MessagePort };

port.on('message', ({ id, job, state: shared }: Posted) => {
  const state = new Int32Array(shared);
  if (Atomics.compareExchange(state, 0, QUEUED, ON_WORKER) !== QUEUED) return;
  try {
    port.postMessage({ id, result: runRegoJob(job) } satisfies Answer);
    Atomics.store(state, 0, DONE);
  } catch {
    Atomics.store(state, 0, FAILED);
  } finally {
    Atomics.notify(state, 0);
  }
});
