/**
 * The command line as a new user meets it: a real terminal for the password prompt, output
 * piped into `head`, files saved by Windows tools, typos. Each case runs the built executable
 * (dist/bin/smtprobe.cjs) the way a shell would.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MockServer } from '../../src/mock/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';
import { mockPool } from '../support/mock-pool.js';

interface Run { code: number; stdout: string; stderr: string }
function smtprobe(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000, ...(cwd ? { cwd } : {}) }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** sh runs a shell pipeline; `$SMTPROBE` is the executable. */
function sh(script: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { env: { ...process.env, NO_COLOR: '1', SMTPROBE: `${process.execPath} ${SMTPROBE_BIN}`, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const pool = mockPool();
const mock = (name: string): Promise<MockServer> => pool.start(name);

beforeAll(() => {
  expect(existsSync(SMTPROBE_BIN), 'dist/ is built by `npm test` (npm run build)').toBe(true);
});

describe('the password prompt', () => {
  it('on a real terminal (script(1) gives it a pty) asks, reads the password without echoing it, and authenticates', async () => {
    const s = await mock('good-starttls');
    const cmd = [process.execPath, SMTPROBE_BIN, 'check', s.host, '--port', String(s.port), '--tls-domain', 'smarthost.test', '--ca', s.caFile, '--user', 'probe@smarthost.test', '--no-icmp'].join(' ');
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      let typed = false;
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // Type only once the prompt is up: readline has switched the terminal's echo off by then.
        if (!typed && out.includes('Password for probe@smarthost.test: ')) {
          typed = true;
          p.stdin.write('mock-pass-1\r');
        }
      });
      p.on('close', (c) => resolve({ code: c, out }));
    });
    expect(out).not.toContain('internal error');
    expect(out).toContain('Password for probe@smarthost.test: ');
    expect(out).not.toContain('mock-pass-1');
    expect(out).toMatch(/✓ auth .*235/);
    expect(out).toMatch(/^OK: /m);
    expect(code).toBe(0);
  });

  it('off a terminal, --user with no password source is bad input naming the three ways to give one', async () => {
    const s = await mock('good-starttls');
    const r = await smtprobe(['check', s.host, '--port', String(s.port), '--tls-domain', 'smarthost.test', '--ca', s.caFile, '--user', 'probe@smarthost.test', '--no-icmp']);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^smtprobe: .*--password-env.*--password-file.*terminal/);
    expect(r.code).toBe(3);
  });
});

describe('output into a closed pipe', () => {
  it('`demo | head -2` ends quietly', async () => {
    const r = await sh('$SMTPROBE demo | head -2; echo "rc=${PIPESTATUS[0]}" >&2');
    expect(r.stdout.split('\n').length).toBeLessThanOrEqual(3);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(r.stderr).toMatch(/rc=0/);
  });

  it('`run --format json | head -1` ends quietly with the verdict exit code; `run --every` stops', async () => {
    const s = await mock('good-starttls');
    const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-pipe-'));
    const file = path.join(dir, 'probes.yaml');
    writeFileSync(file, ['targets:', ...[1, 2].map((i) => `  - { name: t${i}, host: ${s.host}, port: ${s.port}, tlsDomain: smarthost.test, ca: ${s.caFile}, auth: none, icmp: false }`), ''].join('\n'));
    const once = await sh(`$SMTPROBE run ${file} --format json | head -1; echo "rc=\${PIPESTATUS[0]}" >&2`);
    expect(once.stdout).toBe('{\n');
    expect(once.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(once.stderr).toMatch(/rc=0/);
    // Without the fix this never ends (or dies with a trace): the command's own timeout is the guard.
    const every = await sh(`timeout 30 $SMTPROBE run ${file} --every 1s --format ndjson | head -1; echo "rc=\${PIPESTATUS[0]}" >&2`);
    expect(JSON.parse(every.stdout)).toHaveProperty('verdict', 'ok');
    expect(every.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(every.stderr).toMatch(/rc=0/);
  });
});

describe('servers whose address is taken', () => {
  it('mock: bad input is exit 3 like every command; a port in use is one line naming the address and what to do', async () => {
    const s = await mock('good-starttls');
    const bad = await smtprobe(['mock', 'good-starttls', '--port', 'abc']);
    expect(bad.stderr).toMatch(/^smtprobe: .*--port/);
    expect(bad.code).toBe(3);
    const taken = await smtprobe(['mock', 'good-starttls', '--port', String(s.port)]);
    expect(taken.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^smtprobe: .*127\\.0\\.0\\.1:${s.port} is already in use.*--port`))]);
    expect(taken.code).toBe(3);
  });

  it('serve: a port in use is one line naming the address and --listen, exit 3', async () => {
    const s = await mock('good-starttls');
    const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-serve-'));
    const file = path.join(dir, 'probes.yaml');
    writeFileSync(file, `targets:\n  - { name: t, host: ${s.host}, port: ${s.port}, auth: none, icmp: false }\n`);
    const r = await smtprobe(['serve', '--config', file, '--listen', `127.0.0.1:${s.port}`]);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^smtprobe: .*127\\.0\\.0\\.1:${s.port} is already in use.*--listen`))]);
    expect(r.code).toBe(3);
  });
});

/** The same text as Windows tools save it. */
const ENCODINGS: Record<string, (text: string) => Buffer> = {
  'UTF-8 with BOM, CRLF (Notepad, Out-File -Encoding utf8)': (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t.replace(/\n/g, '\r\n'), 'utf8')]),
  'UTF-16 LE with BOM, CRLF (PowerShell 5.1 `>`)': (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t.replace(/\n/g, '\r\n'), 'utf16le')]),
  'UTF-16 BE with BOM': (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()]),
};
const root = path.resolve(path.dirname(SMTPROBE_BIN), '../..');
const readUtf8 = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');

describe.each(Object.entries(ENCODINGS))('files saved as %s', (_name, encode) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-enc-'));
  const save = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, encode(text));
    return file;
  };

  it('import-connector reads them as it reads UTF-8', async () => {
    const rel = 'fixtures/connectors/basicauth.names.json';
    const want = await smtprobe(['import-connector', path.join(root, rel)]);
    const got = await smtprobe(['import-connector', save('connectors.json', readUtf8(rel))]);
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(got.stdout.split('\n').slice(1)).toEqual(want.stdout.split('\n').slice(1));
  });

  it('explain reads a file and stdin as it reads UTF-8', async () => {
    const rel = 'test/samples/exchange-smtpsend-tls-nocredentials.log';
    const want = await smtprobe(['explain', path.join(root, rel)]);
    expect(want.stdout).toContain('Send protocol log');
    const file = save('send.log', readUtf8(rel));
    const got = await smtprobe(['explain', file]);
    expect(got.stderr).toBe('');
    expect(got.stdout).toBe(want.stdout);
    const piped = await sh(`$SMTPROBE explain - < '${file}'`);
    expect(piped.stdout).toBe(want.stdout);
  });

  it('run reads probes.yaml and a --password-file-style secret file', async () => {
    const s = await mock('good-starttls');
    save('pass.txt', 'mock-pass-1\n');
    const file = save('probes.yaml', [
      'targets:',
      `  - name: relay   # a comment`,
      `    host: ${s.host}`,
      `    port: ${s.port}`,
      '    tlsDomain: smarthost.test',
      `    ca: ${s.caFile}`,
      '    user: probe@smarthost.test',
      '    password: file:pass.txt',
      '    icmp: false',
      '',
    ].join('\n'));
    const r = await smtprobe(['run', file, '--format', 'json']);
    expect(r.stderr).not.toMatch(/^smtprobe: error/m);
    const { reports } = JSON.parse(r.stdout) as { reports: { verdict: string; steps: { step: string; status: string }[] }[] };
    const [report] = reports;
    expect(report?.steps.find((x) => x.step === 'auth')?.status).toBe('pass');
    expect(r.code).toBe(0);
  });

  it('mock FILE serves a scenario file', async () => {
    const file = save('bad-credentials.yaml', readUtf8('fixtures/scenarios/bad-credentials.yaml'));
    const out = await new Promise<string>((resolve) => {
      const p = spawn(process.execPath, [SMTPROBE_BIN, 'mock', file, '--port', '0'], { env: { ...process.env, NO_COLOR: '1' } });
      let text = '';
      const done = (): void => resolve(text);
      p.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('Ctrl-C')) p.kill('SIGTERM');
      });
      p.stderr.on('data', (d: Buffer) => {
        text += d.toString();
      });
      p.on('close', done);
    });
    expect(out).toMatch(/^scenario {4}bad-credentials: /m);
    expect(out).not.toMatch(/^smtprobe: error/m);
  });
});

describe('one clear line for every bad input', () => {
  it.each([
    [['check', 'h', '--prot', '25'], /^smtprobe: error: unknown option '--prot' \(did you mean --port\?\); see smtprobe check --help$/],
    [['chek', 'h'], /^smtprobe: error: unknown command 'chek' \(did you mean check\?\)/],
    [['check', 'h', '--tls', 'foo'], /^smtprobe: error: .*'foo' is invalid/],
    [['check', 'h', '--port', 'abc'], /^smtprobe: error: --port: "abc" is not a port number/],
    [['check', 'h', '--timeout', '0'], /^smtprobe: error: --timeout: "0" is not a number of seconds/],
    [['check', 'h', '--password', 'hunter2'], /^smtprobe: error: --password: .*--password-env VAR or --password-file FILE.*prompted$/],
    [['check', 'h', '--auth', 'bogus'], /^smtprobe: error: --auth: "bogus" is not one of auto, none, PLAIN, LOGIN/],
    [['check', 'h', '--tls-min', 'TLS1'], /^smtprobe: error: --tls-min: /],
    [['explain', '/no/such/event.txt'], /^smtprobe: error: input: no such file: \/no\/such\/event\.txt$/],
    [['explain', '--probe', '--host', '127.0.0.1', '--port', 'abc', '530 5.7.57 Client not authenticated to send mail'], /^smtprobe: error: --port: "abc" is not a port number/],
    [['explain', '--probe', '--host', '127.0.0.1', '--timeout', 'x', '530 5.7.57 Client not authenticated to send mail'], /^smtprobe: error: --timeout: "x" is not a number of seconds/],
    [['check', '--connector', 'fixtures/connectors/basicauth.names.json', '--port', 'abc'], /^smtprobe: error: --port: "abc" is not a port number/],
    [['serve'], /^smtprobe: error: required option '--config <file>' not specified; see smtprobe serve --help$/],
  ])('smtprobe %j', async (args, line) => {
    const r = await smtprobe(args);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(3);
  });

  it('--auth takes mechanism names in any case', async () => {
    const s = await mock('good-starttls');
    const r = await smtprobe(['check', s.host, '--port', String(s.port), '--tls-domain', 'smarthost.test', '--ca', s.caFile, '--user', 'probe@smarthost.test', '--password-env', 'PW', '--auth', 'login', '--no-icmp', '--json'], { PW: 'mock-pass-1' });
    const report = JSON.parse(r.stdout) as { steps: { step: string; status: string; data?: { mechanism?: string } }[] };
    expect(report.steps.find((x) => x.step === 'auth')).toMatchObject({ status: 'pass', data: { mechanism: 'LOGIN' } });
    expect(r.code).toBe(0);
  });
});

describe('a recording replays under whatever file name it has', () => {
  it('record to stdout redirected to any file, then `mock FILE` replays it; the comment names the file written with -o', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-rec-'));
    const log = path.join(root, 'test/samples/exchange-smtpsend-tls-nocredentials.log');
    const piped = await sh(`$SMTPROBE record --from-exchange-log '${log}' > '${dir}/repro.yaml'`);
    expect(piped.code).toBe(0);
    const text = readFileSync(path.join(dir, 'repro.yaml'), 'utf8');
    expect(text).toMatch(/^name: exchange-smtpsend-tls-nocredentials$/m);
    expect(text).not.toContain('exchange-exchange-');
    const out = await new Promise<string>((resolve) => {
      const p = spawn(process.execPath, [SMTPROBE_BIN, 'mock', path.join(dir, 'repro.yaml'), '--port', '0'], { env: { ...process.env, NO_COLOR: '1' } });
      let all = '';
      p.stdout.on('data', (d: Buffer) => {
        all += d.toString();
        if (all.includes('Ctrl-C')) p.kill('SIGTERM');
      });
      p.stderr.on('data', (d: Buffer) => {
        all += d.toString();
      });
      p.on('close', () => resolve(all));
    });
    expect(out).toMatch(/^scenario {4}exchange-smtpsend-tls-nocredentials: /m);
    expect(out).not.toContain('must equal the file name');

    const written = path.join(dir, 'Relay EU.yaml');
    const r = await smtprobe(['record', '--from-exchange-log', log, '-o', written]);
    expect(r.code).toBe(0);
    expect(readFileSync(written, 'utf8')).toContain(`# Replay: smtprobe mock ${written}, then`);
    expect(r.stderr).not.toContain('loads a file only when');
  });
});

describe('QUIT that no one answers', () => {
  it('is not a pass, and waits at most a second, not a whole phase timeout', async () => {
    const s = await mock('never-answer');
    // A 3 s phase timeout: an unbounded QUIT would wait it out and call the step a pass.
    const r = await smtprobe(['check', s.host, '--port', String(s.port), '--no-icmp', '--phase-timeout', '3', '--json']);
    const report = JSON.parse(r.stdout) as { steps: { step: string; status: string; reason?: string }[] };
    const quit = report.steps.find((x) => x.step === 'quit');
    expect(quit).toMatchObject({ status: 'warn', reason: 'no reply to QUIT within 1000 ms' });
    const human = await smtprobe(['check', s.host, '--port', String(s.port), '--no-icmp', '--phase-timeout', '3']);
    expect(human.stdout).toMatch(/^ {2}! quit .* no reply to QUIT within 1000 ms$/m);
    expect(human.stdout).not.toMatch(/✓ quit/);
  });
});

describe('output that reads right at 60 columns', () => {
  const width = (text: string): number => Math.max(...text.split('\n').map((l) => [...l].length));

  it('check wraps to COLUMNS and says the reply once on the auth line', async () => {
    const s = await mock('bad-credentials');
    const r = await smtprobe(['check', s.host, '--port', String(s.port), '--tls-domain', 'smarthost.test', '--ca', s.caFile, '--user', 'probe@smarthost.test', '--password-env', 'PW', '--no-icmp'], { PW: 'wrong', COLUMNS: '60' });
    expect(r.code).toBe(2);
    expect(width(r.stdout)).toBeLessThanOrEqual(60);
    const auth = r.stdout.slice(r.stdout.indexOf('✗ auth'), r.stdout.indexOf('\n  - mail'));
    expect(auth.match(/authentication failure/g)).toHaveLength(1);
    // Golden of the step column and the findings, with what varies (ports, times, dates) masked.
    const masked = r.stdout.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT').replace(/ +\d+ ms/g, ' N ms').replace(/\d+ (d|days)\b/g, 'N $1');
    expect(masked).toMatchSnapshot();
  });

  it('run\'s summary table wraps to COLUMNS too', async () => {
    const s = await mock('bad-credentials');
    const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-cols-'));
    const file = path.join(dir, 'probes.yaml');
    writeFileSync(file, `targets:\n  - { name: relay-with-a-long-name, host: ${s.host}, port: ${s.port}, tlsDomain: smarthost.test, ca: ${s.caFile}, user: probe@smarthost.test, passwordEnv: PW, icmp: false }\n`);
    const r = await smtprobe(['run', file], { PW: 'wrong', COLUMNS: '60' });
    expect(r.code).toBe(2);
    expect(width(r.stdout)).toBeLessThanOrEqual(60);
    expect(r.stdout).toMatch(/^ {4}auth: AUTH_CREDENTIALS_REJECTED/m);
  });

  it('demo and explain wrap to COLUMNS too; explain names the provider once', async () => {
    const demo = await smtprobe(['demo'], { COLUMNS: '60' });
    expect(width(demo.stdout)).toBeLessThanOrEqual(60);
    const explain = await smtprobe(['explain', '535 5.7.3 Authentication unsuccessful [SN4PR0601CA0001.namprd06.prod.outlook.com]'], { COLUMNS: '60' });
    expect(width(explain.stdout)).toBeLessThanOrEqual(60);
    expect(explain.stdout).not.toMatch(/Microsoft 365 \/ Exchange: Microsoft 365/);
    expect(explain.stdout).toContain('Microsoft 365 / Exchange: authentication');
  });
});

describe('no contradictions', () => {
  it('probed by IP address, a certificate for a host name says which name, not "no name"', async () => {
    const s = await mock('good-starttls');
    const r = await smtprobe(['check', s.host, '--port', String(s.port), '--ca', s.caFile, '--auth', 'none', '--no-icmp']);
    expect(r.stdout).toContain('CERT_HOSTNAME_MISMATCH');
    expect(r.stdout).not.toContain('certificate is for no name');
    expect(r.stdout).toMatch(/no IP address entry for 127\.0\.0\.1 \(it is for smarthost\.test: probe that name, or pass --tls-domain smarthost\.test\)/);
  });
});
