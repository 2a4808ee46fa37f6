/**
 * The entry of a probe worker thread (worker-pool.ts starts it; scripts/bundle.mjs builds it as
 * dist/bin/smtprobe-worker.cjs). It runs the same probe as the in-process path (`sharedProbe`:
 * one trust-store cache for the worker's lifetime; ICMP echoes and OAuth tokens through the
 * main thread's one set of sessions and one token cache) for each job it is sent, and posts each Report back as soon as it exists.
 * It keeps nothing about a target once its Report is posted.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EchoOutcome } from '../probe/path/pinger.js';
import { sharedProbe } from './shared-probe.js';
import { RelayedPingers } from './worker-icmp.js';
import { decodeAbortReason, decodeTarget, type FromWorker, type ToWorker, type TokenResultInTransit } from './worker-message.js';
import { RelayedTokens } from './worker-tokens.js';

/** ProbeWorkerData: what the pool gives a worker when it starts it. */
export interface ProbeWorkerData {
  /** The fleet's --per-host: how many addresses of one relay an `allAddresses` target probes at once. */
  perHost: number;
}

const port = parentPort;
if (!port) throw new Error('probe-worker runs only as a worker thread (started by the probe worker pool)');
const post = (msg: FromWorker): void => port.postMessage(msg);

let nextSeq = 1;
const echoes = new Map<number, (o: EchoOutcome) => void>();
const pingers = new RelayedPingers((family, req) => new Promise((resolve) => {
  const seq = nextSeq++;
  echoes.set(seq, resolve);
  post({ type: 'echo', seq, family, req });
}));
const tokenRequests = new Map<number, (r: TokenResultInTransit) => void>();
const tokens = new RelayedTokens({
  request: (credential, ca, timeoutMs) => {
    const seq = nextSeq++;
    const result = new Promise<TokenResultInTransit>((resolve) => tokenRequests.set(seq, resolve));
    post({ type: 'token', seq, credential, ca, timeoutMs });
    return { seq, result };
  },
  cancel: (seq) => post({ type: 'token-cancel', seq }),
});
const probe = sharedProbe((workerData as ProbeWorkerData).perHost, { pingers, tokens });
const running = new Map<number, AbortController>();
// Test-only fault injection: a worker that dies while probing this target (uncaught error), so
// the tests can show that a lost worker loses no Report. Read once; unset in any real use.
const crashOn = process.env.SMTPROBE_TEST_WORKER_CRASH_ON;

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'cancel':
      running.get(msg.id)?.abort(decodeAbortReason(msg.reason));
      return;
    case 'echoed': {
      const settle = echoes.get(msg.seq);
      echoes.delete(msg.seq);
      settle?.(msg.outcome);
      return;
    }
    case 'token-result': {
      const settle = tokenRequests.get(msg.seq);
      tokenRequests.delete(msg.seq);
      settle?.(msg.result);
      return;
    }
    case 'probe': {
      const { id } = msg;
      if (crashOn !== undefined && msg.target.name === crashOn) {
        setImmediate(() => {
          throw new Error(`test fault: probe worker crashed while probing ${crashOn}`);
        });
      }
      if (msg.icmp) pingers.update(msg.icmp);
      const abort = new AbortController();
      running.set(id, abort);
      probe(decodeTarget(msg.target), { signal: abort.signal, ...(msg.authHold ? { authHold: msg.authHold } : {}) })
        .then((report) => post({ type: 'report', id, report }))
        // A probe that threw, or a Report a message cannot carry: a bug, rethrown in the main thread.
        .catch((err: unknown) => post({ type: 'failed', id, message: err instanceof Error ? err.message : String(err) }))
        .finally(() => running.delete(id));
      return;
    }
  }
});
