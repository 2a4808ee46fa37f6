/**
 * Never DATA, proven from the server side. Every combination of the flags that take a probe
 * to MAIL and RCPT (with or without --mail-from, one or several --rcpt, with or without AUTH,
 * STARTTLS, implicit TLS or plaintext; relay accepted, relay denied, sender rejected) runs
 * against a real Postfix on loopback whose smtpd logs every command it receives
 * (debug_peer_list for 127.0.0.1). The assertions read Postfix's own log, not smtprobe's
 * transcript: no DATA or BDAT ever arrived, every opened transaction was reset with RSET, and
 * every session ended with QUIT. Needs root: CI runs as root and must run it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import { createTestPki } from '../../src/mock/certs/index.js';
import type { Report } from '../../src/model/report.js';
import { Secret } from '../../src/model/secret.js';
import { probe } from '../../src/check.js';
import { isRoot, startPostfix, type PostfixInstance } from '../support/postfix.js';
import { writeCaFile } from '../support/ca-file.js';
import { POSTFIX, SASL2_BIN, skipWithoutPackages } from '../support/system-packages.js';
import { freePort } from '../support/wait-port.js';

const HOST = 'relay.test';
const USER = 'probe@relay.test';
const PASS = 'pf-Never-Data-1';
const REJECTED_SENDER = 'rejected@relay.test';

const noPackages = skipWithoutPackages('test/integration/never-data-postfix.test.ts (real Postfix log)', [POSTFIX, SASL2_BIN]);
const ready = !noPackages && isRoot;
if (!noPackages && !isRoot) {
  const why = 'not root (Postfix master needs root)';
  if (process.env.CI) throw new Error(`never-DATA Postfix tests cannot run in CI: ${why}`);
  console.warn(`skipping never-DATA real-Postfix tests: ${why}`);
}


type Tls = 'starttls' | 'implicit' | 'none';
interface Combo {
  id: string;
  tls: Tls;
  auth: boolean;
  mailFrom: string | undefined;
  rcpt: string[];
}

/** Every combination that reaches MAIL or RCPT. AUTH is never sent in clear, so `none` runs without it. */
function combos(): Combo[] {
  const out: Combo[] = [];
  const rcpts = [[], ['someone@elsewhere.example'], ['a@elsewhere.example', 'b@elsewhere.example', 'c@other.example']];
  for (const tls of ['starttls', 'implicit', 'none'] as const) {
    for (const auth of tls === 'none' ? [false] : [true, false]) {
      for (const mailFrom of [undefined, USER, REJECTED_SENDER]) {
        for (const rcpt of rcpts) {
          if (mailFrom === undefined && rcpt.length === 0) continue;
          out.push({ id: `c${out.length}`, tls, auth, mailFrom, rcpt });
        }
      }
    }
  }
  return out;
}

const COMBOS = combos();
let postfix: PostfixInstance | undefined;
let caFile: string;
const port = { submission: 0, smtps: 0 };
const reports = new Map<string, Report>();

beforeAll(async () => {
  if (!ready) return;
  const pki = await createTestPki();
  caFile = writeCaFile(pki.rootPem);
  port.submission = await freePort();
  port.smtps = await freePort();
  const valid = await pki.issue('valid', { hostnames: [HOST] });
  postfix = await startPostfix({
    hostname: HOST,
    certChainPem: valid.chainPem,
    keyPem: valid.keyPem,
    users: [{ user: USER, password: PASS }],
    services: [{ port: port.submission }, { port: port.smtps, set: { smtpd_tls_wrappermode: 'yes' } }],
    extraMain: [
      // smtpd logs every command it reads ("< client: COMMAND") for peers on this list.
      'debug_peer_list = 127.0.0.1',
      'debug_peer_level = 2',
      // Refuse one sender at MAIL FROM itself (by default Postfix waits until RCPT to say so).
      'smtpd_delay_reject = no',
      `smtpd_sender_restrictions = check_sender_access inline:{${REJECTED_SENDER}=REJECT}`,
    ],
  });
}, 60_000);

afterAll(async () => {
  await postfix?.stop();
}, 15_000);

async function run(c: Combo): Promise<Report> {
  const input = parseTargetInput({
    host: '127.0.0.1',
    port: c.tls === 'implicit' ? port.smtps : port.submission,
    tls: c.tls,
    tlsDomain: HOST,
    ca: caFile,
    // The EHLO name tells this combination's session apart in Postfix's log.
    ehlo: `${c.id}.client.test`,
    icmp: false,
    timeout: 20,
    phaseTimeout: 10,
    ...(c.auth ? { user: USER } : { auth: 'none' }),
    ...(c.mailFrom === undefined ? {} : { mailFrom: c.mailFrom }),
    ...(c.rcpt.length === 0 ? {} : { rcpt: c.rcpt }),
  });
  const target = await resolveTarget(input, { env: {}, baseDir: process.cwd() });
  if (c.auth) target.password = new Secret(PASS);
  return probe(target);
}

/** One smtpd session as Postfix logged it: the commands it read and its disconnect summary. */
interface Session {
  pid: string;
  commands: string[];
  summary?: string;
}

/** sessions parses Postfix's log into smtpd sessions (a process serves one session at a time). */
function sessions(log: string): Session[] {
  const done: Session[] = [];
  const open = new Map<string, Session>();
  for (const line of log.split('\n')) {
    const m = /\/smtpd\[(\d+)\]: (.*)$/.exec(line);
    if (!m) continue;
    const [, pid = '', text = ''] = m;
    if (/^connect from /.test(text)) {
      open.set(pid, { pid, commands: [] });
      continue;
    }
    const s = open.get(pid);
    if (!s) continue;
    const cmd = /^< [^:]+\]: (.*)$/.exec(text);
    if (cmd?.[1] !== undefined) s.commands.push(cmd[1]);
    const end = /^disconnect from \S+ (.*)$/.exec(text);
    if (end) {
      s.summary = end[1];
      done.push(s);
      open.delete(pid);
    }
  }
  return done;
}

const verb = (command: string): string => command.split(/[ :]/)[0]?.toUpperCase() ?? '';

/** Reads the log until every combination's session has ended (postlogd writes asynchronously). */
async function settledLog(): Promise<{ log: string; all: Session[] }> {
  const file = path.join(postfix?.dir ?? '', 'maillog');
  let log = '';
  for (let i = 0; i < 200; i++) {
    log = readFileSync(file, 'utf8');
    const all = sessions(log);
    const ended = new Set(all.flatMap((s) => s.commands.filter((c) => verb(c) === 'EHLO').map((c) => c.split(' ')[1])));
    if (COMBOS.every((c) => ended.has(`${c.id}.client.test`))) return { log, all };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Postfix did not log the end of every session:\n${log.slice(-3000)}`);
}

describe.runIf(ready)('never DATA: real Postfix logs every command it received', () => {
  it(`runs all ${COMBOS.length} flag combinations that reach MAIL/RCPT`, async () => {
    for (const c of COMBOS) reports.set(c.id, await run(c));
    // The combinations do what they are for: relayed, denied and refused senders all occur.
    const steps = [...reports.values()].flatMap((r) => r.steps);
    expect(steps.some((s) => s.step === 'rcpt' && s.status === 'pass')).toBe(true);
    expect(steps.some((s) => s.step === 'rcpt' && s.error?.code === 'RELAY_DENIED')).toBe(true);
    expect(steps.some((s) => s.step === 'mail' && s.error?.code === 'SENDER_REJECTED')).toBe(true);
    expect(steps.some((s) => s.step === 'auth' && s.status === 'pass')).toBe(true);
  }, 120_000);

  it('Postfix never received DATA or BDAT, in any session', async () => {
    const { log, all } = await settledLog();
    expect(all.length).toBeGreaterThanOrEqual(COMBOS.length);
    expect(log).not.toMatch(/\]: < [^:]+\]: (DATA|BDAT)\b/i);
    for (const s of all) {
      expect(s.commands.filter((c) => /^(DATA|BDAT)\b/i.test(c))).toEqual([]);
      // Postfix's own per-session count of commands: no data= or bdat= entry at all.
      expect(s.summary).not.toMatch(/\b(data|bdat)=/);
    }
  });

  it('every session of a combination reached MAIL/RCPT as planned, reset an opened transaction with RSET, and ended with QUIT', async () => {
    const { all } = await settledLog();
    for (const c of COMBOS) {
      const s = all.find((x) => x.commands.some((cmd) => cmd === `EHLO ${c.id}.client.test`) && x.commands.some((cmd) => /^(MAIL|RCPT)\b/i.test(cmd)));
      expect(s, `session of ${JSON.stringify(c)}`).toBeDefined();
      if (!s) continue;
      const verbs = s.commands.map(verb);
      expect(verbs.at(-1), `${c.id}: ${verbs.join(' ')}`).toBe('QUIT');
      expect(verbs.includes('AUTH'), `${c.id}: ${verbs.join(' ')}`).toBe(c.auth);
      if (c.mailFrom !== undefined) expect(s.commands).toContain(`MAIL FROM:<${c.mailFrom}>`);
      const mailAccepted = c.mailFrom === USER;
      if (mailAccepted || c.mailFrom === undefined) {
        // An open transaction (or a lone RCPT) is always reset before QUIT.
        expect(verbs.slice(-2), `${c.id}: ${verbs.join(' ')}`).toEqual(['RSET', 'QUIT']);
        expect(s.commands.filter((x) => /^RCPT TO:/i.test(x))).toEqual(c.rcpt.map((r) => `RCPT TO:<${r}>`));
      } else {
        // MAIL refused: no transaction, the probe goes no further than QUIT.
        expect(verbs.filter((v) => v === 'RCPT')).toEqual([]);
      }
      expect(s.summary).toMatch(/\bquit=1\b/);
      // What the transcript says was sent is what Postfix received (AUTH payloads aside).
      const r = reports.get(c.id);
      const sent = r?.transcript.filter((l) => l.dir === '>').map((l) => l.text) ?? [];
      expect(s.commands).toHaveLength(sent.length);
      sent.forEach((line, i) => {
        const secret = /^AUTH /i.test(line) || line.includes('<redacted');
        if (!secret) expect(s.commands[i]).toBe(line);
      });
    }
  });
});
