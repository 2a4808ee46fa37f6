/**
 * A fake probe worker for the pool's unit tests (test/unit/run/worker-pool.test.ts): it speaks
 * the worker protocol of src/run/worker-message.ts without probing anything. A target's
 * `labels.delayMs` is how long its "probe" takes; the target named `crash` kills the worker
 * (an uncaught error), `throw` reports a probe that threw. Each Report says which thread made
 * it and how it ended (`labels.how`).
 */
import { parentPort, threadId } from 'node:worker_threads';

const running = new Map();

function report(target, how) {
  return {
    schema: 1,
    target: { name: target.name, labels: { how, thread: String(threadId), password: target.password ? 'arrived' : 'none' } },
    startedAt: '2026-12-05T00:00:00.000Z',
    durationMs: 0,
    steps: [],
    transcript: [],
    findings: [],
    verdict: 'ok',
    summary: { replyCodes: {} },
  };
}

parentPort.on('message', (msg) => {
  if (msg.type === 'cancel') {
    const job = running.get(msg.id);
    if (!job) return;
    clearTimeout(job.timer);
    running.delete(msg.id);
    const why = msg.reason.kind === 'interrupted' ? `interrupted:${msg.reason.signalName}` : `aborted:${msg.reason.message}`;
    parentPort.postMessage({ type: 'report', id: msg.id, report: report(job.target, why) });
    return;
  }
  if (msg.type !== 'probe') return;
  const t = msg.target;
  if (t.name === 'crash') {
    setImmediate(() => {
      throw new Error('fake worker crashed');
    });
    return;
  }
  if (t.name === 'throw') {
    parentPort.postMessage({ type: 'failed', id: msg.id, message: 'fake probe threw' });
    return;
  }
  const timer = setTimeout(() => {
    running.delete(msg.id);
    parentPort.postMessage({ type: 'report', id: msg.id, report: report(t, 'done') });
  }, Number(t.labels.delayMs ?? 0));
  running.set(msg.id, { target: t, timer });
});
