import { ConfigError } from '../config/config-error.js';
import { loadProbesFile, resolveAllTargets } from '../config/probes-file.js';
import { VERDICT_EXIT_CODE, type Report, type Verdict } from '../model/report.js';
import type { Target } from '../model/target.js';
import { isOutputFormat, loadRenderer, type OutputFormat } from '../report/index.js';
import { renderNdjsonLine } from '../report/ndjson.js';
import { renderStateChange } from '../report/state-change.js';
import { renderSummaryTable } from '../report/summary-table.js';
import { AuthLockout } from '../run/auth-lockout.js';
import { FleetLimiter } from '../run/fleet-limiter.js';
import { runFleet } from '../run/runner.js';
import { fleetProbe, type FleetProbe } from '../run/fleet-probe.js';
import { startSchedule } from '../run/scheduler.js';
import { worstVerdict } from '../model/worst-verdict.js';
import { withInterrupt } from './interrupt.js';
import { outputWidth } from './output-width.js';
import { outputSink, type OutputSink } from './atomic-output.js';
import { ProgressBar } from './run-progress.js';
import { limitsFromFlags, scheduleFromFlags, workersFromFlags } from './run-options.js';

/**
 * runFleetCommand: probes.yaml → Targets → concurrent run (or a schedule) → output; returns
 * the exit code (the worst verdict; a target left unprobed by Ctrl-C counts as unknown).
 */
export async function runFleetCommand(file: string, flags: Record<string, unknown>): Promise<number> {
  const format = String(flags.format ?? 'human');
  if (!isOutputFormat(format)) throw new ConfigError('format', `unknown format "${format}"`);
  const limits = limitsFromFlags(flags);
  const workers = workersFromFlags(flags);
  const { everyMs, jitter } = scheduleFromFlags(flags);
  const config = await loadProbesFile(file);
  let targets = await resolveAllTargets(config, process.env);
  const only = flags.target as string[] | undefined;
  if (only && only.length > 0) {
    const unknown = only.filter((n) => !targets.some((t) => t.name === n));
    if (unknown.length > 0) throw new ConfigError('target', `no target named ${unknown.map((n) => `"${n}"`).join(', ')} in ${file}`);
    targets = targets.filter((t) => only.includes(t.name));
  }
  if (flags.output !== undefined && everyMs !== undefined) throw new ConfigError('--output', 'writes the result of one run; not with --every');
  const out = await outputSink(flags.output);
  const color = out.tty && !process.env.NO_COLOR;
  // A file given with --output gets one line per row; a terminal or COLUMNS, the wrapped table.
  const width = flags.output === undefined ? outputWidth() : undefined;
  // More workers than probes that can run at once would only cost their start-up.
  // A probe lost with its worker has a PROBE_INTERNAL_ERROR Report; the run then exits 3, as
  // one whose Report is missing does, whatever the other verdicts.
  const lostToWorkers: string[] = [];
  const probe = fleetProbe({
    workers: Math.min(workers, limits.concurrency, targets.length),
    perHost: limits.perHost,
    onWorkerLost: (why, lost) => {
      lostToWorkers.push(...lost);
      process.stderr.write(`smtprobe: error: a probe worker died (${why}); ${lost.length} probe(s) lost, reported as PROBE_INTERNAL_ERROR: ${lost.join(', ')}\n`);
    },
  });
  // The first Ctrl-C (or SIGTERM) ends cleanly with partial results; a second one means "now".
  try {
    return await withInterrupt({ notice: () => '\nsmtprobe: interrupted — stopping running probes, then printing partial results (Ctrl-C again to quit now)\n' }, async (abort) => {
      if (everyMs !== undefined) return scheduled(targets, { everyMs, jitter, format, color, width, limiter: new FleetLimiter(limits), signal: abort.signal, probe });
      const code = await once(targets, { format, color, width, limits, signal: abort.signal, progress: flags.progress !== false, out, probe });
      return lostToWorkers.length > 0 ? VERDICT_EXIT_CODE.unknown : code;
    });
  } finally {
    await probe.close();
  }
}

async function once(targets: Target[], o: { format: OutputFormat; color: boolean; width: number | undefined; limits: ReturnType<typeof limitsFromFlags>; signal: AbortSignal; progress: boolean; out: OutputSink; probe: FleetProbe }): Promise<number> {
  const bar = o.progress && process.stderr.isTTY ? new ProgressBar(process.stderr, targets.length) : undefined;
  const renderer = await loadRenderer(o.format);
  // Verdicts are counted as Reports arrive: ndjson does not keep the Reports themselves.
  const verdicts: Verdict[] = [];
  const result = await runFleet(targets, {
    ...o.limits,
    probe: o.probe.probe,
    signal: o.signal,
    // ndjson has written every Report already: keeping them would only grow memory with the fleet.
    retain: o.format !== 'ndjson',
    onReport: (report) => {
      verdicts.push(report.verdict);
      bar?.tick(report.verdict);
      // ndjson streams: each Report is written the moment it exists (log pipelines tail it).
      if (o.format === 'ndjson') o.out.write(renderNdjsonLine(report));
    },
  });
  bar?.stop();
  const reports = result.reports.filter((r): r is Report => r !== undefined);
  const nameOf = (i: number): string => targets[i]?.name ?? String(i);
  const missing = result.missing.map(nameOf);
  // A target without a Report is listed with those not run, so the document stays complete.
  const notRun = [...result.notRun.map(nameOf), ...missing];
  if (o.format !== 'ndjson') o.out.write(renderer.many(reports, { color: o.color, transcript: false, notRun, width: o.width }));
  await o.out.close();
  if (missing.length > 0) {
    process.stderr.write(`smtprobe: error: no Report for ${missing.length} target(s) by their deadline (a bug in smtprobe; please report it): ${missing.join(', ')}\n`);
    return VERDICT_EXIT_CODE.unknown;
  }
  // Interrupted: what was printed is partial, whatever the verdicts say.
  if (result.interrupted) return VERDICT_EXIT_CODE.unknown;
  if (notRun.length > 0) verdicts.push('unknown');
  return VERDICT_EXIT_CODE[worstVerdict(verdicts)];
}

async function scheduled(targets: Target[], o: { everyMs: number; jitter: number; format: OutputFormat; color: boolean; width: number | undefined; limiter: FleetLimiter; signal: AbortSignal; probe: FleetProbe }): Promise<number> {
  if (o.format !== 'human' && o.format !== 'ndjson') throw new ConfigError('format', '--every prints state changes (human) or streams every report (ndjson); use --format human or ndjson');
  process.stderr.write(`smtprobe: probing ${targets.length} targets every ${o.everyMs / 1000} s; Ctrl-C to stop\n`);
  const schedule = startSchedule(targets, {
    everyMs: o.everyMs,
    jitter: o.jitter,
    clock: (await import('../model/deadline.js')).systemClock,
    limiter: o.limiter,
    // Rounds after rounds: lockout protection keeps a stale password from locking the account.
    probe: new AuthLockout().guard(o.probe.probe),
    onReport: (report, change) => {
      if (o.format === 'ndjson') process.stdout.write(renderNdjsonLine(report));
      else if (change) process.stdout.write(renderStateChange(change));
    },
    onError: (err, t) => process.stderr.write(`smtprobe: internal error probing ${t.name}: ${err instanceof Error ? err.message : String(err)}\n`),
  });
  await new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    else o.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await schedule.stop();
  // File order, as the one-shot table, whatever order the probes happened to finish in.
  const order = new Map(targets.map((t, i) => [t.name, i]));
  const latest = schedule.tracker.latest().sort((a, b) => (order.get(a.target.name) ?? 0) - (order.get(b.target.name) ?? 0));
  if (o.format === 'human') process.stdout.write(`\n${renderSummaryTable(latest, { color: o.color, width: o.width })}`);
  return VERDICT_EXIT_CODE[worstVerdict(latest.map((r) => r.verdict))];
}
