import { createSocket, type Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';

/** ZoneEntry: what the tiny responder answers for one name. */
export interface ZoneEntry {
  A?: string[];
  AAAA?: string[];
  MX?: { preference: number; exchange: string }[];
  /** PTR target, for reverse names (e.g. key "10.2.0.192.in-addr.arpa"). */
  PTR?: string;
  /** Never answer (the resolver times out). */
  silent?: boolean;
}

const TYPE = { A: 1, PTR: 12, MX: 15, AAAA: 28 } as const;

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

function ipv6Bytes(a: string): Buffer {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** readQuestion parses the first question of a query (RFC 1035 §4.1.2). */
function readQuestion(msg: Buffer): { name: string; type: number; end: number } {
  let off = 12;
  const labels: string[] = [];
  while (msg[off] !== 0) {
    const len = msg[off] as number;
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('ascii'));
    off += len + 1;
  }
  off += 1;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(off), end: off + 4 };
}

/**
 * startDnsResponder: a minimal authoritative DNS server on 127.0.0.1 (UDP, RFC 1035) for the
 * DNS step's tests: A, AAAA and MX from `zone`, NXDOMAIN for names not in it, an empty
 * NOERROR answer for a name without the asked type, and silence for `silent` names.
 */
export async function startDnsResponder(zone: Record<string, ZoneEntry>): Promise<{ server: string; queries: string[]; close(): Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const q = readQuestion(msg);
    queries.push(`${q.name}/${q.type}`);
    const entry = zone[q.name];
    if (entry?.silent) return;
    const answers: Buffer[] = [];
    const rr = (type: number, rdata: Buffer): Buffer => {
      const h = Buffer.alloc(12);
      h.writeUInt16BE(0xc00c, 0);
      h.writeUInt16BE(type, 2);
      h.writeUInt16BE(1, 4);
      h.writeUInt32BE(60, 6);
      h.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([h, rdata]);
    };
    if (entry && q.type === TYPE.A) for (const a of entry.A ?? []) if (isIPv4(a)) answers.push(rr(TYPE.A, Buffer.from(a.split('.').map(Number))));
    if (entry && q.type === TYPE.AAAA) for (const a of entry.AAAA ?? []) answers.push(rr(TYPE.AAAA, ipv6Bytes(a)));
    if (entry?.PTR !== undefined && q.type === TYPE.PTR) answers.push(rr(TYPE.PTR, encodeName(entry.PTR)));
    if (entry && q.type === TYPE.MX) {
      for (const m of entry.MX ?? []) {
        const pref = Buffer.alloc(2);
        pref.writeUInt16BE(m.preference);
        answers.push(rr(TYPE.MX, Buffer.concat([pref, encodeName(m.exchange)])));
      }
    }
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    const rd = (msg.readUInt16BE(2) & 0x0100) !== 0 ? 0x0100 : 0;
    header.writeUInt16BE(0x8480 | rd | (entry ? 0 : 3), 2); // QR, AA, RA; rcode 3 = NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([header, msg.subarray(12, q.end), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return { server: `127.0.0.1:${port}`, queries, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
