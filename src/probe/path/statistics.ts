import type { RttStats } from '../../model/step-data.js';

/** round3 keeps microsecond precision for millisecond values (the model's unit: docs/design.md, "Code conventions"). */
function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** round1 keeps one decimal for percentages. */
function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** percentile returns the nearest-rank percentile (p in 0..100) of non-empty, ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/**
 * rttStats summarizes answered round-trip times; null when there are none. The standard
 * deviation is the population one (ping's "mdev", mtr's "StDev"), since the samples are
 * the whole measurement, not an estimate of a larger population.
 */
export function rttStats(rtts: readonly number[]): RttStats | null {
  if (rtts.length === 0) return null;
  const sorted = [...rtts].sort((a, b) => a - b);
  const avg = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  const variance = sorted.reduce((s, x) => s + (x - avg) ** 2, 0) / sorted.length;
  return {
    min: round3(sorted[0] as number),
    avg: round3(avg),
    max: round3(sorted[sorted.length - 1] as number),
    stddev: round3(Math.sqrt(variance)),
    p95: round3(percentile(sorted, 95)),
  };
}

/** lossPct: percent of `sent` not answered, one decimal; 0 when nothing was sent. */
export function lossPct(sent: number, received: number): number {
  if (sent <= 0) return 0;
  return round1((100 * (sent - received)) / sent);
}

/** LossSplit: pathping's split of one hop's raw loss. */
export interface LossSplit {
  /** Loss carried to this hop from the links before it (persists onwards). */
  forwardedPct: number;
  /** Loss at the node itself: raw loss minus forwarded loss. */
  nodePct: number;
  /** Loss that begins on the link from this hop to the next measured one. */
  linkPct: number;
}

/**
 * splitLoss divides raw per-hop loss (echoes to each hop's own address, in path order) into
 * loss at the node and loss on the links, the way pathping reads its numbers.
 *
 * A packet to hop j crosses every link before j, so forwarding loss can only grow along the
 * path: the loss carried to hop i is at most the raw loss of every hop from i on. We take that
 * minimum as the forwarded loss; whatever a hop loses beyond it, later hops do not lose, so it
 * happens at the node itself (its control plane dropping or rate-limiting its own answers).
 * Link loss is the growth of forwarded loss from one measured hop to the next; the loss of the
 * first link (this host to hop 1) is `sourceLinkPct`. When a hop both loses its own answers and
 * sits next to a lossy link, echo samples cannot tell on which side of it the forwarding loss
 * begins; the minimum places it on the earliest link consistent with every later hop. `null` entries are hops that could not be
 * measured (no address); they get null back and are skipped in the comparison.
 */
export function splitLoss(raw: readonly (number | null)[]): { hops: (LossSplit | null)[]; sourceLinkPct: number } {
  const forwarded: (number | null)[] = new Array<number | null>(raw.length).fill(null);
  let minSoFar = Infinity;
  for (let i = raw.length - 1; i >= 0; i--) {
    const r = raw[i];
    if (r === null || r === undefined) continue;
    minSoFar = Math.min(minSoFar, r);
    forwarded[i] = minSoFar;
  }
  const hops: (LossSplit | null)[] = raw.map(() => null);
  let firstMeasured: number | null = null;
  let prev: number | null = null;
  for (let i = 0; i < raw.length; i++) {
    const f = forwarded[i];
    const r = raw[i];
    if (f === null || f === undefined || r === null || r === undefined) continue;
    if (firstMeasured === null) firstMeasured = f;
    if (prev !== null) {
      const before = hops[prev] as LossSplit;
      before.linkPct = round1(f - before.forwardedPct);
    }
    hops[i] = { forwardedPct: f, nodePct: round1(r - f), linkPct: 0 };
    prev = i;
  }
  return { hops, sourceLinkPct: firstMeasured ?? 0 };
}
