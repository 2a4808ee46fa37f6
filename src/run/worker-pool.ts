import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Report } from '../model/report.js';
import type { Target } from '../model/target.js';
import { lostProbeReport } from './lost-probe-report.js';
import type { ProbeWorkerData } from './probe-worker.js';
import type { ProbeFn } from './runner.js';
import { IcmpRelay } from './worker-icmp.js';
import { TokenRelay } from './worker-tokens.js';
import { encodeAbortReason, encodeTarget, type FromWorker, type ToWorker } from './worker-message.js';

/** The worker entry's file name next to the CLI bundle, defined by scripts/bundle.mjs; absent in tsc's output. */
declare const __SMTPROBE_WORKER_ENTRY__: string | undefined;

/**
 * probeWorkerScript: the probe worker's entry file, next to the running code: the bundle's
 * dist/bin/smtprobe-worker.cjs for the executable, dist/run/probe-worker.js for the library.
 */
export function probeWorkerScript(): URL {
  return new URL(typeof __SMTPROBE_WORKER_ENTRY__ === 'string' ? `./${__SMTPROBE_WORKER_ENTRY__}` : './probe-worker.js', import.meta.url);
}

/** ProbeWorkerPoolOptions: how many workers, and what each needs. */
export interface ProbeWorkerPoolOptions {
  /** Worker threads at most; each is started when a probe finds every running one busy. */
  size: number;
  /** The fleet's --per-host (addresses of one `allAddresses` target probed at once). */
  perHost: number;
  /** The worker's entry file (default: `probeWorkerScript()`); tests give a fake worker. */
  script?: URL | string;
  /** A worker died with probes in flight (each gets a PROBE_INTERNAL_ERROR Report): one line for the log. */
  onWorkerLost?: (why: string, lostTargets: string[]) => void;
}

interface Job {
  target: Target;
  startedAt: number;
  resolve: (r: Report) => void;
  reject: (e: Error) => void;
  /** Stops listening to the caller's signal. */
  release: () => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  /** Token requests of this worker's probes still being answered, by their seq (to cancel them). */
  tokenRequests: Map<number, AbortController>;
  /** The uncaught error that is killing the worker, if any. */
  error?: string;
}

/**
 * ProbeWorkerPool spreads probes over worker threads: its `probe` is a `ProbeFn`, so the caller
 * (the fleet runner, the scheduler, the exporter) keeps its one limiter, lockout bookkeeping and
 * state in the main thread — the global and per-host limits stay exact however many workers
 * run, because only the main thread admits a probe. Each probe goes to the least busy worker,
 * which runs it as the in-process path does (its ICMP echoes and OAuth tokens through the main
 * thread's one set of sockets and one token cache) and posts its Report back; Reports are
 * handed on as they arrive. The caller's AbortSignal becomes a cancel message to the worker. Nothing about
 * a target is kept after its Report.
 *
 * A worker that dies (an uncaught error, out of memory) loses its probes in flight: each
 * becomes a PROBE_INTERNAL_ERROR Report (verdict unknown), so every target still has exactly one
 * Report and the run cannot exit 0; the next probe starts a new worker. Idle workers do not keep
 * the process alive; `close` ends them all.
 */
export class ProbeWorkerPool {
  readonly #slots: Slot[] = [];
  readonly #icmp = new IcmpRelay();
  readonly #tokens = new TokenRelay();
  readonly #script: URL | string;
  #nextId = 1;
  #closed = false;

  constructor(readonly opts: ProbeWorkerPoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new TypeError(`size must be a whole number >= 1, got ${opts.size}`);
    this.#script = opts.script ?? probeWorkerScript();
    const file = this.#script instanceof URL ? fileURLToPath(this.#script) : this.#script;
    if (!existsSync(file)) throw new Error(`the probe worker's file ${file} is missing (a broken install?); --workers 1 probes without it`);
  }

  /** Worker threads running now (started lazily, at most `size`). */
  get threads(): number {
    return this.#slots.length;
  }

  /** probe: the pool as a ProbeFn. */
  readonly probe: ProbeFn = (target, opts) => {
    if (this.#closed) return Promise.reject(new Error('probe worker pool is closed'));
    const id = this.#nextId++;
    const { signal } = opts;
    return new Promise<Report>((resolve, reject) => {
      const slot = this.#pick();
      const onAbort = (): void => this.#post(slot, { type: 'cancel', id, reason: encodeAbortReason(signal.reason) });
      slot.jobs.set(id, { target, startedAt: Date.now(), resolve, reject, release: () => signal.removeEventListener('abort', onAbort) });
      if (slot.jobs.size === 1) slot.worker.ref();
      const pings = target.connectivity.icmp !== 'off' || target.connectivity.path;
      try {
        this.#post(slot, {
          type: 'probe',
          id,
          target: encodeTarget(target),
          ...(opts.authHold ? { authHold: opts.authHold } : {}),
          ...(pings ? { icmp: this.#icmp.availability() } : {}),
        });
      } catch (err) {
        this.#finish(slot, id);
        throw err;
      }
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  };

  /** close ends every worker (a probe still in flight gets a PROBE_INTERNAL_ERROR Report) and the ICMP sockets. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = [...this.#slots];
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) this.#lose(s, 'the run ended');
    this.#icmp.close();
  }

  /** The least busy live worker; a new one while every running worker is busy and the pool is not full. */
  #pick(): Slot {
    let best: Slot | undefined;
    for (const s of this.#slots) if (!best || s.jobs.size < best.jobs.size) best = s;
    if (best && (best.jobs.size === 0 || this.#slots.length >= this.opts.size)) return best;
    return this.#spawn();
  }

  #spawn(): Slot {
    const workerData: ProbeWorkerData = { perHost: this.opts.perHost };
    const worker = new Worker(this.#script, { workerData });
    const slot: Slot = { worker, jobs: new Map(), tokenRequests: new Map() };
    worker.unref();
    worker.on('message', (msg: FromWorker) => this.#onMessage(slot, msg));
    worker.on('error', (err) => {
      slot.error = err.message;
    });
    worker.on('exit', (code) => {
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots.splice(i, 1);
      this.#lose(slot, slot.error ?? `exit code ${code}`);
    });
    this.#slots.push(slot);
    return slot;
  }

  #onMessage(slot: Slot, msg: FromWorker): void {
    switch (msg.type) {
      case 'report':
        this.#finish(slot, msg.id)?.resolve(msg.report);
        return;
      case 'failed':
        this.#finish(slot, msg.id)?.reject(new Error(msg.message));
        return;
      case 'echo':
        void this.#icmp.echo(msg.family, msg.req).then((outcome) => this.#post(slot, { type: 'echoed', seq: msg.seq, outcome }));
        return;
      case 'token': {
        const abort = new AbortController();
        slot.tokenRequests.set(msg.seq, abort);
        void this.#tokens.acquire(msg.credential, msg.ca, msg.timeoutMs, abort.signal).then((result) => {
          slot.tokenRequests.delete(msg.seq);
          this.#post(slot, { type: 'token-result', seq: msg.seq, result });
        });
        return;
      }
      case 'token-cancel':
        slot.tokenRequests.get(msg.seq)?.abort(new Error('probe cancelled'));
        return;
    }
  }

  #post(slot: Slot, msg: ToWorker): void {
    if (this.#slots.includes(slot)) slot.worker.postMessage(msg);
  }

  /** finish forgets a job (its Report has come, or is lost) and lets an idle worker stop holding the process. */
  #finish(slot: Slot, id: number): Job | undefined {
    const job = slot.jobs.get(id);
    if (!job) return undefined;
    slot.jobs.delete(id);
    job.release();
    if (slot.jobs.size === 0) slot.worker.unref();
    return job;
  }

  /** lose answers every probe still in flight on a dead worker with a PROBE_INTERNAL_ERROR Report. */
  #lose(slot: Slot, why: string): void {
    for (const a of slot.tokenRequests.values()) a.abort(new Error('probe worker ended'));
    slot.tokenRequests.clear();
    if (slot.jobs.size === 0) return;
    const lost: string[] = [];
    for (const id of [...slot.jobs.keys()]) {
      const job = this.#finish(slot, id);
      if (!job) continue;
      lost.push(job.target.name);
      job.resolve(lostProbeReport(job.target, job.startedAt, Date.now(), why));
    }
    if (!this.#closed) this.opts.onWorkerLost?.(why, lost);
  }
}
