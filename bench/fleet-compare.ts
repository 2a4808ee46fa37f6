/**
 * The `compare` section of fleet-bench: every peer at its best, against the same private
 * Postfix, in one run, interleaved (A B C D, A B C D, A B C D) — probes/s, latency, and CPU per
 * probe on both sides of the wire.
 *
 * - smtprobe through its real executable: `node dist/bin/smtprobe.cjs run probes.yaml
 *   --concurrency c --per-host c --format ndjson` (+ BENCH_SMTPROBE_ARGS), Reports read from the
 *   pipe as they stream; latency = each Report's durationMs.
 * - prometheus-blackbox-exporter (tcp prober scripting the STARTTLS + AUTH PLAIN dialogue),
 *   driven by wrk with c keep-alive connections; bench/wrk-blackbox.lua counts a response as ok
 *   only when its body says `probe_success 1`; latency = the exporter's probe_duration_seconds.
 * - check_smtp and swaks as pools of c processes at once; latency = each process's wall time.
 * - node-floor (bench/node-floor.ts): the same dialogue in a bare Node client, c at once in one
 *   process — no product around it: the floor under smtprobe's CPU per probe on this Node.
 *
 * CPU: the client under test, Postfix and the load generator each run in their own cgroup
 * (bench/cpu-groups.ts), so every process and thread is charged, forked children included.
 * One rule picks the measured window for every tool: from its 2c-th completion (warm-up: Postfix
 * has forked its smtpd processes, V8 / the Go runtime are warm) to its c-th completion from the
 * end (the drain, when fewer than c are in flight, is left out), snapped inward to the CPU
 * samples taken every 100 ms. Probes/s, CPU per probe and latency are all from that window, so
 * start-up, warm-up and the tail cost nobody anything, and work in flight at either edge
 * cancels out in the steady state.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processesUnder } from '../test/support/processes-under.js';
import { openCpuGroups, type CpuGroup, type CpuGroups } from './cpu-groups.js';

/** What fleet-bench has set up for the section. */
export interface CompareSetup {
  repo: string;
  tmp: string;
  caFile: string;
  /** The Postfix service every tool probes. */
  server: { host: string; port: number };
  /** A second service of the same Postfix that itself refuses an 11th connection (anvil). */
  limited: { host: string; port: number; limit: number };
  /** The Postfix instance's directory (its processes work under it). */
  postfixDir: string;
  tlsDomain: string;
  user: string;
  pass: string;
  /** swaks' arguments for one session, and what they verify. */
  swaks: { args: string[]; label: string };
  checkSmtpArgs: string[];
  /** prometheus-blackbox-exporter configuration (module smtp_starttls_auth). */
  blackboxYaml: string;
}

interface Completion {
  /** When it ended (ms since the epoch, sub-millisecond). */
  t: number;
  ok: boolean;
  durMs: number;
}

interface Sample {
  t: number;
  client: number;
  server: number;
  loader: number;
  /** Busy CPU of the whole machine (/proc/stat), ms. */
  busy: number;
  rssKb?: number;
}

/** What one run's measured window shows. */
interface WindowFigures {
  probes: number;
  wallMs: number;
  probesPerSec: number;
  clientCpuMsPerProbe: number;
  serverCpuMsPerProbe: number;
  loaderCpuMsPerProbe: number;
  /** Busy CPU on the machine not charged to client, server or loader (neighbours), per probe. */
  otherCpuMsPerProbe: number;
  okInWindow: number;
  p50Ms: number;
  p99Ms: number;
  /** The largest RSS sampled in the window (the exporter: sampled; the others: measured apart). */
  peakRssKb?: number;
}

/** One run of one tool: its window, and the whole run's counts. */
interface Measured extends WindowFigures {
  tool: string;
  c: number;
  repeat: number;
  peakRssMb: number;
  /** Over the whole run, warm-up and tail included. */
  okAll: number;
  nAll: number;
  loadBefore: number[];
  [k: string]: unknown;
}

const now = (): number => performance.timeOrigin + performance.now();
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** Busy milliseconds of the whole machine since boot: /proc/stat minus idle and iowait. */
function machineBusyMs(): number {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return ((user + nice + system + irq + softirq + steal) * 1000) / clockTicks;
}

function rssKb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** sampler reads every group's CPU (and optionally one process's RSS) every 100 ms until stopped. */
function sampler(g: { client: CpuGroup; server: CpuGroup; loader: CpuGroup }, rssPid?: number): () => Sample[] {
  const out: Sample[] = [];
  const take = (): void => {
    const rss = rssPid === undefined ? undefined : rssKb(rssPid);
    out.push({ t: now(), client: g.client.usageMs(), server: g.server.usageMs(), loader: g.loader.usageMs(), busy: machineBusyMs(), ...(rss === undefined ? {} : { rssKb: rss }) });
  };
  take();
  const timer = setInterval(take, 100);
  return () => {
    clearInterval(timer);
    take();
    return out;
  };
}

/**
 * windowOf: the measured window of one run — from the 2c-th completion to the c-th from the end,
 * snapped inward to CPU samples — and everything measured in it.
 */
function windowOf(done: Completion[], samples: Sample[], c: number): WindowFigures {
  done.sort((a, b) => a.t - b.t);
  const k = done.length;
  if (k < 3 * c + 20) throw new Error(`only ${k} completions at c=${c}: too few for a steady window (need > ${3 * c + 20})`);
  const tA = done[2 * c - 1]!.t;
  const tB = done[k - c - 1]!.t;
  const s1 = samples.find((s) => s.t >= tA);
  const s2 = [...samples].reverse().find((s) => s.t <= tB);
  if (!s1 || !s2 || s2.t - s1.t < 500) throw new Error(`steady window too short at c=${c} (${k} completions)`);
  const inside = done.filter((d) => d.t > s1.t && d.t <= s2.t);
  const n = inside.length;
  const lat = inside.map((d) => d.durMs).sort((a, b) => a - b);
  const client = s2.client - s1.client;
  const server = s2.server - s1.server;
  const loader = s2.loader - s1.loader;
  const busy = s2.busy - s1.busy;
  const rss = samples.filter((s) => s.t >= s1.t && s.t <= s2.t && s.rssKb !== undefined).map((s) => s.rssKb!);
  return {
    probes: n,
    wallMs: Math.round(s2.t - s1.t),
    probesPerSec: r1((n / (s2.t - s1.t)) * 1000),
    clientCpuMsPerProbe: r2(client / n),
    serverCpuMsPerProbe: r2(server / n),
    loaderCpuMsPerProbe: r2(loader / n),
    otherCpuMsPerProbe: r2((busy - client - server - loader) / n),
    okInWindow: inside.filter((d) => d.ok).length,
    p50Ms: r1(pct(lat, 50)),
    p99Ms: r1(pct(lat, 99)),
    ...(rss.length ? { peakRssKb: Math.max(...rss) } : {}),
  };
}

/** Lines of a child's stdout as they arrive, each with its arrival time. */
function onLines(stream: NodeJS.ReadableStream, each: (line: string, t: number) => void): void {
  let buf = '';
  stream.on('data', (b: Buffer) => {
    const t = now();
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line) each(line, t);
    }
  });
}

interface ConnCounts {
  samples: number;
  /** Connections open at both ends in one dump: the ones the client still held. */
  maxHeld: number;
  maxEstablished: number;
  maxOpen: number;
  establishedHistogram: Record<string, number>;
  meanDumpMs: number;
}

/**
 * connectionSampler: the server-side view of one port — how many connections the server holds
 * open at once, sampled every 2 ms by bench/conn-sampler.py (netlink sock_diag, states filtered
 * by the kernel). Resolves once sampling runs; `stop` ends it and returns the counts.
 */
async function connectionSampler(repo: string, port: number): Promise<() => Promise<ConnCounts>> {
  const child = spawn('python3', [path.join(repo, 'bench/conn-sampler.py'), String(port), '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  onLines(child.stdout!, (line) => {
    lines.push(line);
    if (line === 'ready') ready();
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await Promise.race([isReady, closed]);
  return async () => {
    child.kill('SIGTERM');
    await closed;
    const last = lines.filter((l) => l.startsWith('{')).pop();
    if (!last) throw new Error(`compare: conn-sampler gave nothing: ${lines.join(' ')}`);
    return JSON.parse(last) as ConnCounts;
  };
}

/**
 * maxOverlap: the most intervals open at once (a connection that ends in the same millisecond
 * as another starts is counted as closed first: the timestamps are whole milliseconds).
 */
function maxOverlap(spans: [number, number][]): number {
  const ev = spans.flatMap(([a, b]) => [[a, 1], [b, -1]] as [number, number][]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of ev) max = Math.max(max, (open += d));
  return max;
}

/** Lines of Postfix's log since `from` (byte offset). */
function maillogSince(dir: string, from: number): string {
  try {
    return readFileSync(path.join(dir, 'maillog')).subarray(from).toString('utf8');
  } catch {
    return '';
  }
}
function maillogSize(dir: string): number {
  try {
    return readFileSync(path.join(dir, 'maillog')).length;
  } catch {
    return 0;
  }
}

export async function compareSection(s: CompareSetup): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const cs = (process.env.BENCH_COMPARE_C ?? '64,256').split(',').map(Number);
  const repeats = Number(process.env.BENCH_COMPARE_REPEAT ?? 3);
  const steadyProbes = Number(process.env.BENCH_COMPARE_PROBES ?? 2500);
  const steadySeconds = Number(process.env.BENCH_COMPARE_SECONDS ?? 6);
  const tools = (process.env.BENCH_COMPARE_TOOLS ?? 'smtprobe,blackbox,check_smtp,swaks').split(',');
  // swaks runs one Perl process per session (~37/s here): at c=256 a steady window (6c sessions)
  // takes minutes per run and shows nothing c=64 does not; BENCH_COMPARE_SWAKS_C=64,256 asks for it.
  const swaksCs = (process.env.BENCH_COMPARE_SWAKS_C ?? '64').split(',').map(Number);
  const extraArgs = (process.env.BENCH_SMTPROBE_ARGS ?? '').split(' ').filter(Boolean);
  // Several smtprobe rows in the same interleaved run, e.g. BENCH_SMTPROBE_VARIANTS="--workers 1;--workers 2":
  // each is BENCH_SMTPROBE_ARGS plus its own arguments (the per-host rows use the last).
  const variants = (process.env.BENCH_SMTPROBE_VARIANTS ?? '').split(';').map((v) => v.split(' ').filter(Boolean));
  const perHostLimit = Number(process.env.BENCH_COMPARE_PERHOST ?? s.limited.limit);
  const bbPort = Number(process.env.BENCH_BLACKBOX_PORT ?? 29115);
  // The Node that runs smtprobe (BENCH_SMTPROBE_NODE, e.g. the newest LTS's binary; default this one).
  const smtprobeNode = process.env.BENCH_SMTPROBE_NODE ?? process.execPath;
  const bin = path.join(s.repo, (JSON.parse(readFileSync(path.join(s.repo, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.smtprobe as string);
  const lua = path.join(s.repo, 'bench/wrk-blackbox.lua');

  const opened = openCpuGroups(`smtprobe-bench-${process.pid}`);
  if (typeof opened === 'string') throw new Error(`compare: ${opened} (run as root on Linux with cgroups)`);
  const groups: CpuGroups = opened;
  const g = { client: groups.group('client'), server: groups.group('server'), loader: groups.group('loader') };
  const measured: Measured[] = [];
  const json: Record<string, unknown> = { cgroup: groups.kind, loadBefore: loadavg(), extraArgs, node: process.version, smtprobeNode };
  let exporter: ReturnType<typeof spawn> | undefined;
  // The exporter's own complaints (--log.level=error), kept for the JSON: a failing peer shows.
  let exporterLog = '';
  try {
    // This process (the harness: ndjson reader, process pools, samplers) and what it starts
    // unwrapped (wrk) are the loader; Postfix, with every smtpd it forks from now on, the server.
    g.loader.add(process.pid);
    for (const pid of processesUnder(s.postfixDir)) {
      try {
        g.server.add(pid);
      } catch {
        // ended meanwhile
      }
    }

    const spawnIn = (grp: CpuGroup, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ReturnType<typeof spawn> => {
      const [c, a] = groups.wrap(grp, cmd, args);
      return spawn(c, a, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    };

    const probesFile = (n: number, port: number): string => {
      const file = path.join(s.tmp, `compare-${port}-${n}.yaml`);
      const lines = ['defaults:', `  port: ${port}`, '  tls: starttls', '  tlsVerify: domain', `  tlsDomain: ${s.tlsDomain}`, `  ca: ${s.caFile}`,
        `  user: ${s.user}`, '  password: env:BENCH_PASS', '  icmp: false', 'targets:'];
      for (let i = 0; i < n; i++) lines.push(`  - { name: bench-${i}, host: ${s.server.host} }`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    };

    /** One `smtprobe run` of n targets; Reports read from its stdout as they stream. */
    const smtprobeRun = async (c: number, perHost: number, n: number, port: number, watchPort?: number, variantArgs: string[] = variants[variants.length - 1] ?? []): Promise<{ done: Completion[]; samples: Sample[]; verdicts: Record<string, number>; codes: Record<string, number>; exit: number | null; time: number[]; stderr: string; firstFailure: unknown; clientMaxOpen: number; conns?: ConnCounts }> => {
      const file = probesFile(n, port);
      const timeFile = path.join(s.tmp, 'compare-time.txt');
      const args = ['-f', '%M %e %U %S', '-o', timeFile, smtprobeNode, bin, 'run', file, '--concurrency', String(c), '--per-host', String(perHost), '--format', 'ndjson', ...extraArgs, ...variantArgs];
      const done: Completion[] = [];
      const verdicts: Record<string, number> = {};
      const codes: Record<string, number> = {};
      // The first Report that is not ok, whole (it names no secret: Reports never carry one).
      let firstFailure: unknown;
      // The client's own view, from the Reports: [connect, end of probe] per connection (ms).
      const spans: [number, number][] = [];
      const stop = sampler(g);
      const stopConns = watchPort === undefined ? undefined : await connectionSampler(s.repo, watchPort);
      const child = spawnIn(g.client, '/usr/bin/time', args, { ...process.env, BENCH_PASS: s.pass });
      onLines(child.stdout!, (line, t) => {
        const r = JSON.parse(line) as { verdict: string; startedAt: string; durationMs: number; findings?: { code: string }[]; steps: { step: string; startedAt?: number }[] };
        const tcp = r.steps.find((st) => st.step === 'tcp')?.startedAt;
        if (watchPort !== undefined && tcp !== undefined) spans.push([tcp, Date.parse(r.startedAt) + r.durationMs]);
        verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
        for (const f of r.findings ?? []) codes[f.code] = (codes[f.code] ?? 0) + 1;
        done.push({ t, ok: r.verdict === 'ok', durMs: r.durationMs });
        if (r.verdict !== 'ok' && firstFailure === undefined) firstFailure = r;
      });
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
      const samples = stop();
      const conns = await stopConns?.();
      const time = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(/\s+/).map(Number);
      return { done, samples, verdicts, codes, exit, time, stderr, firstFailure, clientMaxOpen: maxOverlap(spans), ...(conns ? { conns } : {}) };
    };

    // The exporter runs for the whole section, as deployed; its start-up is outside every window.
    const bbCfg = path.join(s.tmp, 'compare-blackbox.yml');
    writeFileSync(bbCfg, s.blackboxYaml);
    const bbUrl = `http://127.0.0.1:${bbPort}/probe?module=smtp_starttls_auth&target=${s.server.host}:${s.server.port}`;
    if (tools.includes('blackbox')) {
      exporter = spawnIn(g.client, '/usr/bin/prometheus-blackbox-exporter', [`--config.file=${bbCfg}`, `--web.listen-address=127.0.0.1:${bbPort}`, '--log.level=error']);
      exporter.stdout!.resume();
      exporter.stderr!.on('data', (b: Buffer) => (exporterLog = (exporterLog + b.toString()).slice(-4000)));
      let first = '';
      for (let i = 0; i < 50 && !/^probe_success 1$/m.test(first); i++) {
        await sleep(100);
        first = await fetch(bbUrl).then((r) => r.text()).catch(() => '');
      }
      if (!/^probe_success 1$/m.test(first)) throw new Error(`compare: blackbox exporter's probe fails: ${first.slice(-800)} ${exporterLog}`);
    }
    // The exporter's own process (the wrapper shell exec'd into it): its RSS is sampled.
    const exporterPid = exporter?.pid;

    const pool = async (c: number, cmd: string, args: string[], okWhen: (code: number | null, out: string) => boolean): Promise<{ done: Completion[]; samples: Sample[]; sample: string }> => {
      const done: Completion[] = [];
      let sample = '';
      let t2c = Infinity;
      const stop = sampler(g);
      const one = (): Promise<void> => new Promise((resolve) => {
        const start = now();
        const child = spawnIn(g.client, cmd, args);
        let out = '';
        child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
        child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
        // 'close', not 'exit': the output is complete only then.
        child.on('close', (code) => {
          const t = now();
          const ok = okWhen(code, out);
          if (!ok && !sample) sample = out.slice(-600);
          done.push({ t, ok, durMs: t - start });
          if (done.length === 2 * c) t2c = t;
          resolve();
        });
      });
      // Launch until the steady part has lasted steadySeconds past the warm-up (2c completions)
      // and held at least 4c completions (a slow tool's processes finish in waves of c: the
      // window must span several); then the last c in flight drain (left out of the window).
      const lane = async (): Promise<void> => {
        while (now() - t2c < steadySeconds * 1000 + 500 || done.length < 6 * c) await one();
      };
      await Promise.all(Array.from({ length: c }, lane));
      return { done, samples: stop(), sample };
    };

    /** Peak RSS of one process of a pooled tool (GNU time %M), measured once outside every window. */
    const oneRssMb = (cmd: string, args: string[]): number => {
      const r = spawnSync('/usr/bin/time', ['-f', 'RSS %M', cmd, ...args], { encoding: 'utf8' });
      return Math.round(Number(/RSS (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024);
    };
    const checkSmtp = '/usr/lib/nagios/plugins/check_smtp';
    const poolRss: Record<string, number> = {};
    if (tools.includes('check_smtp')) poolRss.check_smtp = oneRssMb(checkSmtp, s.checkSmtpArgs);
    if (tools.includes('swaks')) poolRss.swaks = oneRssMb('swaks', s.swaks.args);

    /** One run of the bare Node client (node-floor.ts), on the Node that runs smtprobe. */
    const floorRun = async (c: number, n: number, verify: 'verify' | 'none'): Promise<{ done: Completion[]; samples: Sample[]; exit: number | null; sample: string }> => {
      const done: Completion[] = [];
      let sample = '';
      const child = spawnIn(g.client, smtprobeNode, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'node-floor.js'), s.server.host, String(s.server.port), s.tlsDomain, s.caFile, s.user, String(c), String(n), verify],
        { ...process.env, BENCH_PASS: s.pass });
      // Its RSS is sampled (the wrapper exec's into node, as for the exporter).
      const stop = sampler(g, child.pid);
      onLines(child.stdout!, (line, t) => {
        const [ok, dur] = line.split(' ');
        done.push({ t, ok: ok === '1', durMs: Number(dur) });
        if (ok !== '1' && !sample) sample = line;
      });
      child.stderr!.on('data', (b: Buffer) => (sample = (sample + b.toString()).slice(-600)));
      const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
      return { done, samples: stop(), exit, sample };
    };

    const labelOf = (v: string[]): string => `smtprobe run${[...extraArgs, ...v].length ? ` ${[...extraArgs, ...v].join(' ')}` : ''}`;
    const smtprobeLabel = labelOf(variants[variants.length - 1] ?? []);
    const labels: Record<string, string> = {
      smtprobe: smtprobeLabel,
      blackbox: 'blackbox_exporter + wrk',
      check_smtp: 'check_smtp (pool; STARTTLS + AUTH LOGIN, cert not checked)',
      swaks: `swaks (pool; ${s.swaks.label})`,
      'node-floor': `bare Node client (node-floor, Node ${spawnSync(smtprobeNode, ['--version'], { encoding: 'utf8' }).stdout.trim()})`,
      'node-floor-noverify': `bare Node client, certificate not verified (node-floor none, Node ${spawnSync(smtprobeNode, ['--version'], { encoding: 'utf8' }).stdout.trim()})`,
    };

    /** One measured `smtprobe run` of a variant at concurrency c (per-host = c), as a row. */
    const measureSmtprobe = async (c: number, rep: number, loadBefore: number[], v: string[]): Promise<Measured> => {
      const n = 3 * c + steadyProbes;
      const r = await smtprobeRun(c, c, n, s.server.port, undefined, v);
      const w = windowOf(r.done, r.samples, c);
      return { tool: labelOf(v), c, repeat: rep, ...w, peakRssMb: Math.round((r.time[0] ?? NaN) / 1024), okAll: r.verdicts.ok ?? 0, nAll: n, loadBefore,
        reports: r.done.length, exit: r.exit, verdicts: r.verdicts, codes: r.codes,
        wholeProcess: { wallS: r.time[1], cpuS: r2((r.time[2] ?? 0) + (r.time[3] ?? 0)) }, ...(r.exit === 0 ? {} : { stderr: r.stderr, firstFailure: r.firstFailure }) };
    };

    for (let rep = 1; rep <= repeats; rep++) {
      for (const c of cs) {
        for (const tool of tools) {
          if (tool === 'swaks' && !swaksCs.includes(c)) continue;
          const loadBefore = loadavg().map(r2);
          let m: Measured;
          if (tool === 'smtprobe') {
            // Every variant but the last is its own row, measured right before it.
            for (const v of variants.slice(0, -1)) {
              const mv = await measureSmtprobe(c, rep, loadBefore, v);
              measured.push(mv);
              process.stderr.write(`compare ${rep}/${repeats} c=${c} ${mv.tool}: ${mv.probesPerSec}/s client ${mv.clientCpuMsPerProbe} server ${mv.serverCpuMsPerProbe} ms/probe, ok ${mv.okAll}/${mv.nAll}\n`);
              await sleep(500);
            }
            m = await measureSmtprobe(c, rep, loadBefore, variants[variants.length - 1] ?? []);
          } else if (tool === 'blackbox') {
            const wrkOut = path.join(s.tmp, `compare-wrk-${c}-${rep}.out`);
            const seconds = steadySeconds + 2 + Math.ceil((3 * c) / 250);
            const stop = sampler(g, exporterPid);
            // wrk is spawned plainly: it stays in the loader group with this process.
            const wrk = spawn('wrk', ['-t1', `-c${c}`, `-d${seconds}s`, '--timeout', '30s', '-s', lua, bbUrl], { env: { ...process.env, WRK_OUT: wrkOut }, stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            wrk.stdout!.on('data', (b: Buffer) => (out += b.toString()));
            wrk.stderr!.on('data', (b: Buffer) => (out += b.toString()));
            const exit = await new Promise<number | null>((resolve) => wrk.on('close', resolve));
            const samples = stop();
            const done: Completion[] = readFileSync(wrkOut, 'utf8').split('\n').filter(Boolean).map((l) => {
              const [t, ok, dur] = l.split(' ');
              return { t: Number(t), ok: ok === '1', durMs: Number(dur) * 1000 };
            });
            const summary = JSON.parse(/^WRK (.*)$/m.exec(out)?.[1] ?? '{}') as Record<string, number>;
            const w = windowOf(done, samples, c);
            const failed = readFileSync(`${wrkOut}.sample`, 'utf8');
            m = { tool: labels[tool]!, c, repeat: rep, ...w, peakRssMb: Math.round((w.peakRssKb ?? NaN) / 1024), okAll: done.filter((d) => d.ok).length, nAll: done.length, loadBefore,
              wrk: { exit, ...summary }, ...(failed ? { sample: failed } : {}) };
          } else if (tool === 'check_smtp' || tool === 'swaks') {
            const p = tool === 'check_smtp'
              ? await pool(c, checkSmtp, s.checkSmtpArgs, (code) => code === 0)
              : await pool(c, 'swaks', s.swaks.args, (code, out) => code === 0 && /235 /.test(out));
            const w = windowOf(p.done, p.samples, c);
            m = { tool: labels[tool]!, c, repeat: rep, ...w, peakRssMb: poolRss[tool] ?? NaN, okAll: p.done.filter((d) => d.ok).length, nAll: p.done.length, loadBefore, ...(p.sample ? { sample: p.sample } : {}) };
          } else if (tool === 'node-floor' || tool === 'node-floor-noverify') {
            const n = 3 * c + steadyProbes;
            const f = await floorRun(c, n, tool === 'node-floor' ? 'verify' : 'none');
            const w = windowOf(f.done, f.samples, c);
            m = { tool: labels[tool]!, c, repeat: rep, ...w, peakRssMb: Math.round((w.peakRssKb ?? NaN) / 1024), okAll: f.done.filter((d) => d.ok).length, nAll: n, loadBefore,
              exit: f.exit, ...(f.sample ? { sample: f.sample } : {}) };
          } else {
            throw new Error(`compare: unknown tool ${tool} in BENCH_COMPARE_TOOLS (smtprobe, blackbox, check_smtp, swaks, node-floor, node-floor-noverify)`);
          }
          measured.push(m);
          process.stderr.write(`compare ${rep}/${repeats} c=${c} ${tool}: ${m.probesPerSec}/s client ${m.clientCpuMsPerProbe} server ${m.serverCpuMsPerProbe} loader ${m.loaderCpuMsPerProbe} other ${m.otherCpuMsPerProbe} ms/probe, p50 ${m.p50Ms} p99 ${m.p99Ms}, ok ${m.okAll}/${m.nAll} (load ${loadBefore[0]})\n`);
          await sleep(500);
        }
      }
    }

    // The per-host limit seen from the server: smtprobe at c=64 with --per-host L against a
    // Postfix service that itself allows L connections from one client (anvil:
    // smtpd_client_connection_count_limit, loopback not exempt there) — an (L+1)-th connection
    // gets `421 Too many connections` and its Report is not ok — while the connections Postfix
    // holds on that port are counted every 2 ms (conn-sampler.py). Then the control: the same
    // with --per-host L+2, which both must catch (else the check could not fail).
    const perHost: Record<string, unknown>[] = [];
    if (perHostLimit > 0) {
      const c = 64;
      const n = 3 * c + Math.round(steadyProbes / 2);
      for (const [role, limit] of [['limit', perHostLimit], ['control', perHostLimit + 2]] as const) {
        const logFrom = maillogSize(s.postfixDir);
        const r = await smtprobeRun(c, limit, n, s.limited.port, s.limited.port);
        await sleep(500);
        const log = maillogSince(s.postfixDir, logFrom);
        const row = {
          role, tool: `${smtprobeLabel} --per-host ${limit}`, c, perHost: limit, postfixLimit: s.limited.limit, n, reports: r.done.length, exit: r.exit,
          verdicts: r.verdicts, codes: r.codes, wallS: r.time[1], serverSide: r.conns, clientMaxOpen: r.clientMaxOpen,
          // Postfix logs each refusal: "warning: Connection concurrency limit exceeded: 11 from …"
          postfixRefusals: (log.match(/connection concurrency limit exceeded/gi) ?? []).length,
        };
        perHost.push(row);
        process.stderr.write(`compare per-host ${role} ${limit}: ${JSON.stringify(row)}\n`);
        await sleep(500);
      }
    }
    json.perHost = perHost;
  } finally {
    exporter?.kill('SIGTERM');
    if (exporter && exporter.exitCode === null) await new Promise((r) => exporter!.once('close', r));
    groups.close();
  }
  json.loadAfter = loadavg();
  json.exporterLog = exporterLog;
  json.runs = measured;

  // One row per tool and c: the median of each figure over the repeats (each separately), with
  // every run's probes/s beside it.
  const rows: Record<string, unknown>[] = [];
  const order = [...new Set(measured.map((m) => m.tool))];
  for (const c of cs) {
    for (const tool of order) {
      const ms = measured.filter((m) => m.tool === tool && m.c === c);
      if (ms.length === 0) continue;
      const med = (k: keyof Measured): number => r2(median(ms.map((m) => m[k] as number)));
      rows.push({ tool, c, probes: med('probes'), probesPerSec: r1(median(ms.map((m) => m.probesPerSec))), runs: ms.map((m) => m.probesPerSec),
        clientCpuMsPerProbe: med('clientCpuMsPerProbe'), serverCpuMsPerProbe: med('serverCpuMsPerProbe'), loaderCpuMsPerProbe: med('loaderCpuMsPerProbe'),
        otherCpuMsPerProbe: med('otherCpuMsPerProbe'), p50Ms: med('p50Ms'), p99Ms: med('p99Ms'), peakRssMb: Math.max(...ms.map((m) => m.peakRssMb)),
        ok: ms.reduce((a, m) => a + m.okAll, 0), n: ms.reduce((a, m) => a + m.nAll, 0) });
    }
  }
  json.rows = rows;
  const md = [`| tool | c | probes (window) | probes/s: median (${repeats} runs) | client CPU ms/probe | server CPU ms/probe | loader CPU ms/probe | p50 ms | p99 ms | peak RSS MB | ok/N |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.tool} | ${r.c} | ${Math.round(r.probes as number)} | **${r.probesPerSec}** (${(r.runs as number[]).join(', ')}) | ${r.clientCpuMsPerProbe} | ${r.serverCpuMsPerProbe} | ${r.loaderCpuMsPerProbe} | ${r.p50Ms} | ${r.p99Ms} | ${r.peakRssMb} | ${r.ok}/${r.n} |`)];
  for (const c of cs) {
    const bb = rows.find((r) => r.c === c && r.tool === 'blackbox_exporter + wrk');
    for (const sp of rows.filter((r) => r.c === c && (String(r.tool).startsWith('smtprobe') || String(r.tool).startsWith('bare Node')))) if (bb) md.push('', `c=${c}: ${String(sp.tool)} / blackbox_exporter probes/s **${r2((sp.probesPerSec as number) / (bb.probesPerSec as number))}x**; client CPU per probe ${sp.clientCpuMsPerProbe} vs ${bb.clientCpuMsPerProbe} ms (**${r2((sp.clientCpuMsPerProbe as number) / (bb.clientCpuMsPerProbe as number))}x**).`);
  }
  for (const ph of (json.perHost as Record<string, unknown>[] | undefined) ?? []) {
    const conns = ph.serverSide as ConnCounts;
    md.push('', `Per-host ${ph.role === 'control' ? 'control' : 'limit'} (${ph.tool}, c=${ph.c}, against a Postfix service allowing ${ph.postfixLimit} connections from one client): most connections open at both ends at once **${conns.maxHeld}** (on Postfix's side alone: open ${conns.maxOpen}, ESTABLISHED ${conns.maxEstablished}; ${conns.samples} samples, 2 ms apart), Postfix refusals **${ph.postfixRefusals}**, the client's own most at once (from the Reports' timestamps) ${ph.clientMaxOpen}, Reports ${JSON.stringify(ph.verdicts)} of ${ph.n}.`);
  }
  md.push('', `Load average before ${(json.loadBefore as number[]).map(r2).join(' ')}, after ${(json.loadAfter as number[]).map(r2).join(' ')}.`);
  return { json, markdown: md.join('\n') };
}
