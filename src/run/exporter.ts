import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { loadProbesFile, type ProbesConfig } from '../config/probes-file.js';
import { systemClock, type Clock } from '../model/deadline.js';
import type { Report } from '../model/report.js';
import type { Target } from '../model/target.js';
import { mergeFamilies, reportMetrics } from '../report/prometheus.js';
import { DEFAULT_LIMITS, FleetLimiter, type FleetLimits } from './fleet-limiter.js';
import type { ListenAddress } from './listen-address.js';
import { registryOf } from './prom-registry.js';
import { ExporterTargets } from './exporter-targets.js';
import { ReloadStatus, type ReloadOutcome } from './config-reload.js';
import { probeDebugText } from './probe-debug.js';
import { AuthLockout } from './auth-lockout.js';
import type { ProbeFn } from './runner.js';
import { startSchedule, type Schedule } from './scheduler.js';
import { createWebServer, type WebConfig } from './web-config.js';

/** ExporterOptions: the config, where to listen, and how to probe. */
export interface ExporterOptions {
  config: ProbesConfig;
  /** Environment the config's `env:` secrets are read from. */
  env: NodeJS.ProcessEnv;
  listen: ListenAddress;
  probe: ProbeFn;
  limits?: FleetLimits;
  /** Also probe every target on this interval and publish the results on /metrics. */
  everyMs?: number;
  jitter?: number;
  clock?: Clock;
  /**
   * Seconds taken off Prometheus's scrape timeout so the answer arrives before Prometheus
   * gives up (the blackbox exporter's `timeout_offset`, default 0.5).
   */
  timeoutOffsetS?: number;
  /** One line per notable event (a probe that threw). Never receives a secret. */
  log?: (line: string) => void;
  /** `--web-config`: TLS and basic auth in front of every endpoint. */
  web?: WebConfig;
  /**
   * Lockout protection shared by the schedule and /probe (default: a fresh one). Its
   * suspended target+user pairs are published as `smtprobe_auth_suspended`.
   */
  lockout?: AuthLockout;
  /**
   * How a reload (SIGHUP, `POST /-/reload`) reads the configuration again; default: probes.yaml
   * from `config.file`.
   */
  load?: () => Promise<ProbesConfig>;
}

/** Exporter: a running `smtprobe serve`. */
export interface Exporter {
  readonly host: string;
  readonly port: number;
  /** http://host:port (https with a web config's TLS) */
  readonly url: string;
  readonly schedule?: Schedule;
  /**
   * reload reads the configuration again and, when every target of the new file resolves,
   * switches to it (restarting the schedule); a bad file changes nothing and the outcome says
   * why. Reloads run one at a time.
   */
  reload(): Promise<ReloadOutcome>;
  close(): Promise<void>;
}

/** The only query parameters /probe takes: everything else (hosts, users, secrets) lives in the config file. */
const PROBE_PARAMS = new Set(['target', 'module', 'debug']);

/**
 * startExporter serves the Prometheus endpoints of `smtprobe serve`:
 *
 * - `GET /probe?target=NAME[&module=M]` probes one configured target now (the blackbox
 *   exporter's multi-target pattern) and answers its metrics from a fresh registry. The probe's
 *   hard deadline is Prometheus's X-Prometheus-Scrape-Timeout-Seconds minus the offset. An
 *   unknown target or module, or any other parameter, is a 400: the exporter never probes a
 *   host or uses a credential that came from a URL.
 *   With `&debug=true` it answers the probe's redacted log and would-be metrics as text instead.
 * - `GET /metrics`: the exporter's own metrics (process, probes run, last reload) and, with
 *   `everyMs`, the latest metrics of every scheduled target, labelled `target`.
 * - `POST /-/reload` (as SIGHUP, through `Exporter.reload`): reads probes.yaml again.
 */
export async function startExporter(opts: ExporterOptions): Promise<Exporter> {
  const clock = opts.clock ?? systemClock;
  const offsetMs = (opts.timeoutOffsetS ?? 0.5) * 1000;
  const limiter = new FleetLimiter(opts.limits ?? DEFAULT_LIMITS);
  const log = opts.log ?? ((): void => undefined);
  const lockout = opts.lockout ?? new AuthLockout(clock);
  // Scheduled probes and /probe scrapes alike: never a password-guessing loop.
  const probeFn = lockout.guard(opts.probe);

  const self = new Registry();
  collectDefaultMetrics({ register: self });
  const probesTotal = new Counter({ name: 'smtprobe_exporter_probes_total', help: 'Probes run by this exporter', labelNames: ['trigger', 'verdict'], registers: [self] });
  new Gauge({ name: 'smtprobe_exporter_probes_in_flight', help: 'Probes running now', registers: [self], collect() { this.set(limiter.activeCount); } });
  new Gauge({ name: 'smtprobe_exporter_config_targets', help: 'Targets in the configuration file', registers: [self], collect() { this.set(targets.config.targets.length); } });
  const reloads = new ReloadStatus(self, clock);
  new Gauge({
    name: 'smtprobe_auth_suspended',
    help: 'AUTH suspended by lockout protection after repeated credential rejections (1 per target and user); the value is the rejections seen',
    labelNames: ['target', 'user'],
    registers: [self],
    collect() {
      this.reset();
      for (const s of lockout.suspended()) this.set({ target: s.target, user: s.user }, s.rejections);
    },
  });

  // Resolve every target up front: a missing secret or CA file stops `serve` at start, with file:line.
  let targets = await ExporterTargets.load(opts.config, opts.env);

  const scheduleOf = async (from: ExporterTargets): Promise<Schedule | undefined> => {
    if (opts.everyMs === undefined) return undefined;
    return startSchedule(await from.all(), {
      everyMs: opts.everyMs,
      ...(opts.jitter !== undefined ? { jitter: opts.jitter } : {}),
      clock,
      limiter,
      probe: probeFn,
      onReport: (r) => probesTotal.inc({ trigger: 'schedule', verdict: r.verdict }),
      onError: (err, t) => log(`probe of ${t.name} failed internally: ${err instanceof Error ? err.message : String(err)}`),
    });
  };
  let schedule = await scheduleOf(targets);
  // After a reload, the previous schedule's latest report of each target still configured is
  // published until the new schedule has probed that target, so /metrics keeps no gap.
  let carried = new Map<string, Report>();

  const load = opts.load ?? (() => loadProbesFile(targets.config.file));
  let reloading: Promise<ReloadOutcome> = Promise.resolve({ ok: true, message: '' });
  const reloadOnce = async (): Promise<ReloadOutcome> => {
    let next: ExporterTargets;
    try {
      next = await ExporterTargets.load(await load(), opts.env);
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
      return reloads.record({ ok: false, message: `reload refused, still using the previous configuration: ${why}` });
    }
    const previous = schedule;
    if (previous) {
      const names = new Set(next.config.targets.map((e) => e.name));
      const kept = new Map([...carried, ...previous.tracker.latest().map((r) => [r.target.name, r] as const)].filter(([n]) => names.has(n)));
      carried = kept;
    }
    targets = next;
    schedule = await scheduleOf(next);
    if (schedule) Object.assign(exporter, { schedule });
    await previous?.stop();
    return reloads.record({ ok: true, message: `reloaded ${next.config.file}: ${next.config.targets.length} targets` });
  };
  const reload = (): Promise<ReloadOutcome> => {
    reloading = reloading.then(reloadOnce, reloadOnce).then((outcome) => {
      log(outcome.message);
      return outcome;
    });
    return reloading;
  };

  const handleProbe = async (url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const extra = [...url.searchParams.keys()].filter((k) => !PROBE_PARAMS.has(k));
    if (extra.length > 0) return plain(res, 400, `unsupported parameter ${extra.join(', ')}: targets, hosts and credentials come only from the configuration file\n`);
    const name = url.searchParams.get('target');
    if (!name) return plain(res, 400, 'target parameter is missing\n');
    const from = targets;
    if (!from.has(name)) return plain(res, 400, `unknown target "${name}": /probe only probes targets named in ${from.config.file}\n`);
    // An empty module (a relabelled label that was unset) means the target's own module.
    const module = url.searchParams.get('module') || undefined;
    if (module !== undefined && !from.hasModule(module)) return plain(res, 400, `unknown module "${module}"\n`);
    const debug = url.searchParams.get('debug');
    if (debug !== null && debug !== 'true' && debug !== 'false') return plain(res, 400, `debug must be true or false, not "${debug}"\n`);
    let target: Target;
    try {
      target = await from.targetFor(name, module);
    } catch (err) {
      return plain(res, 500, `${err instanceof Error ? err.message : String(err)}\n`);
    }
    target = withScrapeTimeout(target, req.headers['x-prometheus-scrape-timeout-seconds'], offsetMs);
    const abort = new AbortController();
    // Prometheus gave up (or the client went away): stop probing rather than finish for nobody.
    res.on('close', () => abort.abort());
    const report: Report | undefined = await limiter.run(target.host, () => (abort.signal.aborted ? Promise.resolve(undefined) : probeFn(target, { signal: abort.signal })));
    if (!report) return;
    probesTotal.inc({ trigger: 'probe', verdict: report.verdict });
    const registry = registryOf(reportMetrics(report));
    if (debug === 'true') return plain(res, 200, probeDebugText(report, await registry.metrics()));
    return plain(res, 200, await registry.metrics(), registry.contentType);
  };

  const handleMetrics = async (res: ServerResponse): Promise<void> => {
    const fresh = new Map((schedule?.tracker.latest() ?? []).map((r) => [r.target.name, r]));
    const latest = targets.config.targets.flatMap((e) => {
      const r = fresh.get(e.name) ?? carried.get(e.name);
      return r ? [r] : [];
    });
    const scheduled = registryOf(mergeFamilies(latest.map((r) => reportMetrics(r, { target: r.target.name }))));
    const merged = Registry.merge([self, scheduled]);
    return plain(res, 200, await merged.metrics(), self.contentType);
  };

  const server = createWebServer(opts.web, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://exporter');
    const route = async (): Promise<void> => {
      if (url.pathname === '/-/reload') {
        // POST or PUT, as Prometheus's own /-/reload: a GET (a crawler, a prefetch) never reloads.
        if (req.method !== 'POST' && req.method !== 'PUT') return plain(res, 405, 'use POST to reload\n');
        const outcome = await reload();
        return plain(res, outcome.ok ? 200 : 500, `${outcome.message}\n`);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed\n');
      if (url.pathname === '/probe') return handleProbe(url, req, res);
      if (url.pathname === '/metrics') return handleMetrics(res);
      if (url.pathname === '/') return plain(res, 200, indexText(targets.config));
      return plain(res, 404, 'not found\n');
    };
    route().catch((err: unknown) => {
      log(`internal error on ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostInUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const exporter: Exporter = {
    host: addr.address,
    port: addr.port,
    url: `${opts.web?.tls ? 'https' : 'http'}://${hostInUrl}:${addr.port}`,
    reload,
    async close() {
      await reloading;
      await schedule?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  if (schedule) Object.assign(exporter, { schedule });
  return exporter;
}

/**
 * withScrapeTimeout shortens the probe's hard deadline to fit Prometheus's scrape timeout
 * (sent by Prometheus in X-Prometheus-Scrape-Timeout-Seconds), less the offset.
 */
export function withScrapeTimeout(target: Target, header: string | string[] | undefined, offsetMs: number): Target {
  const raw = Array.isArray(header) ? header[0] : header;
  const seconds = raw === undefined ? NaN : Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) return target;
  // The offset must not eat the whole budget of a short scrape timeout: keep at least half of it.
  const totalMs = Math.min(target.timeouts.totalMs, Math.max(seconds * 1000 - offsetMs, seconds * 500));
  if (totalMs >= target.timeouts.totalMs) return target;
  return { ...target, timeouts: { totalMs, phaseMs: Math.min(target.timeouts.phaseMs, totalMs) } };
}

function plain(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function indexText(config: ProbesConfig): string {
  const names = config.targets.map((t) => `  /probe?target=${encodeURIComponent(t.name)}${t.module ? `  (module ${t.module})` : ''}`);
  return ['smtprobe exporter', '', '/metrics  the exporter itself and scheduled targets', ...names, '', 'add &debug=true to a /probe URL for its redacted log; POST /-/reload reads the configuration again', ''].join('\n');
}
