/**
 * When an echo request on a raw socket is given up, for both pingers (net-ping's for IPv4,
 * ours for IPv6).
 *
 * raw-socket serves reads before writes, so on a busy run (every ICMP packet of the host
 * arrives on the shared socket, one read per event-loop iteration) a request can wait in the
 * socket's send queue for a while, and a reply that has arrived can wait in the socket to be
 * read. Two rules follow. Each request has a backstop timer of ours armed when it is queued,
 * not when it leaves, so a request that never leaves still ends. And when a timer fires, the
 * verdict waits enough event-loop iterations to read every packet that can be queued — after
 * an event-loop stall (GC, a loaded machine) timers run before I/O, so replies that arrived
 * during the stall may still be in the socket. Counted in iterations, not time, because a
 * descheduled process loses time but not iterations.
 */

/** SEND_ALLOWANCE_MS: the most the backstop adds to a request's `timeoutMs` for time spent waiting to be sent. */
export const SEND_ALLOWANCE_MS = 1000;

/** DRAIN_SLACK_ITERATIONS: extra loop iterations a timed-out request waits, for unrelated ICMP queued in the socket. */
export const DRAIN_SLACK_ITERATIONS = 16;

/** backstopMs: how long after queueing a request with this `timeoutMs` is given up at the latest. */
export function backstopMs(timeoutMs: number): number {
  return timeoutMs + Math.min(timeoutMs, SEND_ALLOWANCE_MS);
}

/**
 * drainIterations: how many loop iterations a timed-out request waits before it counts as
 * lost, with `owed` requests outstanding on the socket: each one's reply, its looped-back copy
 * on loopback, and some slack.
 */
export function drainIterations(owed: number): number {
  return 2 * owed + DRAIN_SLACK_ITERATIONS;
}

/** afterIterations calls `then` after `n` event-loop iterations, unless `settled()` is true by then. */
export function afterIterations(n: number, settled: () => boolean, then: () => void): void {
  if (settled()) return;
  if (n <= 0) return then();
  setImmediate(() => afterIterations(n - 1, settled, then));
}
