/**
 * node-floor: the least a Node.js client can do for one fleet probe — the same dialogue as
 * smtprobe's and the exporter's (greeting, EHLO, STARTTLS, TLS with the certificate verified by
 * OpenSSL and the name by Node, EHLO, AUTH PLAIN, QUIT), with nothing else: no Report, no
 * analysis of its own, no timings per step, no transcript, one TLS context for the run.
 *
 * It is not a product and not a peer; it is the floor under smtprobe's CPU per probe on this
 * Node and this machine, measured in the same `compare` run as smtprobe and the exporter. What
 * smtprobe spends above it is ours to cut; what the floor itself spends is Node's (and
 * OpenSSL's, and the loopback kernel path's), the same for any Node client.
 *
 * With VERIFY `none` the certificate is not verified at all (`ca: []`, no name check): less than
 * any probe may do before sending a password, so below every real client — the absolute floor
 * of the dialogue on this Node. (Verified, Node converts the whole chain to JavaScript objects
 * on every handshake, `getPeerCertificate(true)`, before its name check; smtprobe avoids that
 * for a chain OpenSSL accepted before, see VerdictMemory.)
 *
 * Usage: node node-floor.js HOST PORT TLS_DOMAIN CA_FILE USER C N [verify|none]   (password: BENCH_PASS)
 * Prints one line per finished probe, `1 <ms>` (235 seen, and QUIT answered) or `0 <ms> <why>`.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const [host = '', portArg = '', domain = '', caFile = '', user = '', cArg = '', nArg = '', verifyArg = 'verify'] = process.argv.slice(2);
const port = Number(portArg);
const c = Number(cArg);
const n = Number(nArg);
const pass = process.env.BENCH_PASS ?? '';
const verify = verifyArg === 'verify';
if (!host || !port || !domain || !caFile || !user || !(c > 0) || !(n > 0) || !pass || !['verify', 'none'].includes(verifyArg)) {
  process.stderr.write('usage: BENCH_PASS=... node node-floor.js HOST PORT TLS_DOMAIN CA_FILE USER C N [verify|none]\n');
  process.exit(2);
}
const context = tls.createSecureContext({ ca: verify ? readFileSync(caFile, 'utf8') : [] });
const authLine = `AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}\r\n`;

/** Replies of one connection: resolves each `reply()` with the final line's code. */
function replies(stream: net.Socket | tls.TLSSocket): () => Promise<number> {
  let buf = '';
  const waiting: ((code: number) => void)[] = [];
  const ready: number[] = [];
  stream.setEncoding('latin1');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line[3] === '-') continue;
      const code = Number(line.slice(0, 3));
      const w = waiting.shift();
      if (w) w(code);
      else ready.push(code);
    }
  });
  return () => new Promise((resolve) => {
    const r = ready.shift();
    if (r !== undefined) resolve(r);
    else waiting.push(resolve);
  });
}

async function expect(reply: () => Promise<number>, want: number, step: string): Promise<void> {
  const code = await reply();
  if (code !== want) throw new Error(`${step}: ${code}`);
}

async function probeOnce(): Promise<void> {
  const raw = net.connect({ host, port });
  let sock: net.Socket | tls.TLSSocket = raw;
  const failed = new Promise<never>((_, reject) => {
    raw.once('error', reject);
    raw.setTimeout(30_000, () => reject(new Error('timeout')));
  });
  failed.catch(() => undefined);
  try {
    const plain = replies(raw);
    await Promise.race([expect(plain, 220, 'greeting'), failed]);
    raw.write('EHLO floor.test\r\n');
    await Promise.race([expect(plain, 250, 'EHLO'), failed]);
    raw.write('STARTTLS\r\n');
    await Promise.race([expect(plain, 220, 'STARTTLS'), failed]);
    raw.removeAllListeners('data');
    const secure = tls.connect({ socket: raw, servername: domain, secureContext: context, rejectUnauthorized: verify });
    sock = secure;
    await Promise.race([new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    }), failed]);
    const enc = replies(secure);
    secure.write('EHLO floor.test\r\n');
    await Promise.race([expect(enc, 250, 'EHLO'), failed]);
    secure.write(authLine);
    await Promise.race([expect(enc, 235, 'AUTH'), failed]);
    secure.write('QUIT\r\n');
    await Promise.race([expect(enc, 221, 'QUIT'), failed]);
  } finally {
    sock.destroy();
    raw.destroy();
  }
}

let started = 0;
async function lane(): Promise<void> {
  while (started < n) {
    started++;
    const t0 = performance.now();
    try {
      await probeOnce();
      process.stdout.write(`1 ${(performance.now() - t0).toFixed(2)}\n`);
    } catch (err) {
      process.stdout.write(`0 ${(performance.now() - t0).toFixed(2)} ${(err as Error).message.replace(/\s+/g, ' ')}\n`);
    }
  }
}
await Promise.all(Array.from({ length: c }, lane));
