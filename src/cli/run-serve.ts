import { ConfigError } from '../config/config-error.js';
import { fleetProbe } from '../run/fleet-probe.js';
import { loadProbesFile } from '../config/probes-file.js';
import { startExporter } from '../run/exporter.js';
import type { ProbeFn } from '../run/runner.js';
import { parseListen } from '../run/listen-address.js';
import { loadWebConfig } from '../run/web-config.js';
import { stopRequested, withInterrupt } from './interrupt.js';
import { listenProblem } from './listen-error.js';
import { limitsFromFlags, scheduleFromFlags, workersFromFlags } from './run-options.js';

/** runServeCommand starts the exporter and keeps it running until SIGINT/SIGTERM. */
export async function runServeCommand(flags: Record<string, unknown>): Promise<void> {
  const config = await loadProbesFile(String(flags.config));
  const listen = parseListen(String(flags.listen ?? '127.0.0.1:9465'));
  const limits = limitsFromFlags(flags);
  const workers = workersFromFlags(flags);
  const { everyMs, jitter } = scheduleFromFlags(flags);
  let timeoutOffsetS: number | undefined;
  if (flags.timeoutOffset !== undefined) {
    timeoutOffsetS = Number(flags.timeoutOffset);
    if (!Number.isFinite(timeoutOffsetS) || timeoutOffsetS < 0) throw new ConfigError('timeout-offset', 'must be a number of seconds >= 0');
  }
  const web = flags.webConfig === undefined ? undefined : await loadWebConfig(String(flags.webConfig));
  const log = (line: string): void => void process.stderr.write(`smtprobe serve: ${line}\n`);
  // One trust store per --ca set and one token per credential in each worker, one set of ICMP
  // sessions, for the exporter's lifetime; the worker threads end with the exporter.
  const probe = fleetProbe({
    workers: Math.min(workers, limits.concurrency),
    perHost: limits.perHost,
    onWorkerLost: (why, lost) => log(`a probe worker died (${why}); ${lost.length} probe(s) lost, reported as PROBE_INTERNAL_ERROR: ${lost.join(', ')}`),
  });
  try {
    await serve(probe.probe);
  } finally {
    await probe.close();
  }

  async function serve(probeFn: ProbeFn): Promise<void> {
    const exporter = await startExporter({
      config,
      env: process.env,
      listen,
      limits,
      probe: probeFn,
      ...(everyMs !== undefined ? { everyMs, jitter } : {}),
      ...(timeoutOffsetS !== undefined ? { timeoutOffsetS } : {}),
      log,
      ...(web ? { web } : {}),
    }).catch((err: unknown) => {
      const address = listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
      const problem = listenProblem(err, address, 'give another address with --listen HOST:PORT (e.g. --listen 127.0.0.1:9466)');
      throw problem === undefined ? err : new ConfigError('listen', problem);
    });
    process.stderr.write(`smtprobe serve: listening on ${exporter.url} (${config.targets.length} targets from ${config.file})\n`);
    await withInterrupt({ notice: (signal) => `smtprobe serve: ${signal}, stopping (again to quit now)\n` }, async (stop) => {
      // SIGHUP reads probes.yaml again (the outcome is logged: one line); a bad file keeps the old one.
      const onHangup = (): void => void exporter.reload();
      process.on('SIGHUP', onHangup);
      try {
        await stopRequested(stop);
        await exporter.close();
      } finally {
        process.off('SIGHUP', onHangup);
      }
    });
  }
}
