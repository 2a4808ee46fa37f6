import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplyParser, type ParseEvent, type ParserLimits } from '../../src/probe/smtp/reply-parser.js';
import { sniffNonSmtp } from '../../src/probe/smtp/sniff.js';

const RUNS = 300;
const SMALL: ParserLimits = { maxLineBytes: 48, maxReplyLines: 4, maxReplyBytes: 160 };

/** Input that is mostly SMTP-shaped lines, with garbage, binary, over-long lines and both line endings. */
const ending = fc.constantFrom('\r\n', '\r\n', '\n', '');
const smtpLine = fc
  .tuple(
    fc.constantFrom('250', '250', '220', '535', '251'),
    fc.constantFrom('-', '-', '-', ' ', ''),
    fc.constantFrom('', '2.0.0 ', '5.7.8 ', '5.7.139  '),
    fc.stringMatching(/^[ -~]{0,20}$/),
    ending,
  )
  .map(([code, sep, enh, text, end]) => (sep === '' ? `${code}${end}` : `${code}${sep}${enh}${text}${end}`));
const fragment = fc.oneof(
  { arbitrary: smtpLine, weight: 8 },
  { arbitrary: fc.tuple(fc.integer({ min: 30, max: 120 }), ending).map(([n, end]) => `250-${'x'.repeat(n)}${end}`), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('latin1')), weight: 1 },
  { arbitrary: fc.tuple(fc.stringMatching(/^[ -~]{0,20}$/), ending).map(([t, end]) => t + end), weight: 1 },
);
const input = fc.array(fragment, { maxLength: 40 }).map((parts) => Buffer.from(parts.join(''), 'latin1'));

/** Split points into a chunking of `buf`. */
function chunk(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (buf.length === 0 ? 0 : c % (buf.length + 1))))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    chunks.push(buf.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

function run(chunks: Buffer[], limits?: Partial<ParserLimits>): { events: ParseEvent[]; maxPendingOverChunk: number } {
  const parser = new ReplyParser(limits);
  const events: ParseEvent[] = [];
  let maxPendingOverChunk = -Infinity;
  for (const c of chunks) {
    events.push(...parser.push(c));
    maxPendingOverChunk = Math.max(maxPendingOverChunk, parser.pendingBytes - c.length);
  }
  return { events, maxPendingOverChunk };
}

describe('ReplyParser (property-based)', () => {
  for (const [label, limits] of [['small limits', SMALL], ['default limits', undefined]] as const) {
    it(`never throws and gives the same events whatever the chunking (${label})`, () => {
      fc.assert(
        fc.property(input, fc.array(fc.nat(), { maxLength: 30 }), (buf, cuts) => {
          const whole = run([buf], limits);
          const split = run(chunk(buf, cuts), limits);
          expect(split.events).toEqual(whole.events);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('never holds more than maxLineBytes + 1 bytes (so never more than maxLineBytes + chunk length)', () => {
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 30 }), (buf, cuts) => {
        const parser = new ReplyParser(SMALL);
        for (const c of chunk(buf, cuts)) {
          parser.push(c);
          expect(parser.pendingBytes).toBeLessThanOrEqual(SMALL.maxLineBytes + 1);
          expect(parser.pendingBytes).toBeLessThanOrEqual(SMALL.maxLineBytes + c.length);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary bytes, and keeps violation lines short and printable', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const { events } = run(chunk(Buffer.from(bytes), cuts), SMALL);
        for (const e of events) {
          if (e.kind !== 'violation' || e.line === undefined) continue;
          expect(e.line.length).toBeLessThanOrEqual(200);
          expect(e.line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        }
      }),
      { numRuns: RUNS },
    );
  });

  /** A well-formed reply and what it must parse back to. */
  const text = fc.stringMatching(/^[!-~][ -~]{0,40}$|^$/).filter((t) => !/^\d/.test(t));
  const reply = fc
    .record({
      code: fc.integer({ min: 200, max: 599 }),
      subject: fc.integer({ min: 0, max: 999 }),
      detail: fc.integer({ min: 0, max: 999 }),
      withEnhanced: fc.boolean(),
      texts: fc.array(text, { minLength: 1, maxLength: 8 }),
      endings: fc.array(fc.constantFrom('\r\n', '\n'), { minLength: 8, maxLength: 8 }),
      bareCodeLast: fc.boolean(),
    })
    .map((r) => {
      // RFC 3463 classes are 2, 4 and 5 only; a 3xx reply carries no enhanced status.
      const enhanced = r.withEnhanced && String(r.code).charAt(0) !== '3' ? `${String(r.code).charAt(0)}.${r.subject}.${r.detail}` : undefined;
      const n = r.texts.length;
      const wire = r.texts
        .map((t, i) => {
          const last = i === n - 1;
          const body = enhanced ? (t === '' ? enhanced : `${enhanced} ${t}`) : t;
          const line = last && r.bareCodeLast && body === '' ? `${r.code}` : `${r.code}${last ? ' ' : '-'}${body}`;
          return line + (r.endings[i] ?? '\r\n');
        })
        .join('');
      const bareLf = r.endings.slice(0, n).includes('\n');
      return { wire, code: r.code, enhanced, lines: r.texts, bareLf };
    });

  it('round-trips well-formed replies (code, enhanced status, lines, bare LF) in any chunking', () => {
    fc.assert(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (replies, cuts) => {
        const buf = Buffer.from(replies.map((r) => r.wire).join(''), 'latin1');
        const { events } = run(chunk(buf, cuts));
        expect(events).toHaveLength(replies.length);
        events.forEach((e, i) => {
          const want = replies[i];
          if (e.kind !== 'reply' || !want) throw new Error(`expected a reply, got ${JSON.stringify(e)}`);
          expect(e.reply.code).toBe(want.code);
          expect(e.reply.enhanced).toBe(want.enhanced);
          expect(e.reply.lines).toEqual(want.lines);
          expect(e.reply.bareLf ?? false).toBe(want.bareLf);
          expect(e.raw).toHaveLength(want.lines.length);
        });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('sniffNonSmtp (property-based)', () => {
  it('never throws, and passes anything that starts with a reply code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        sniffNonSmtp(Buffer.from(bytes));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.uint8Array({ maxLength: 100 }), (code, rest) => {
        const buf = Buffer.concat([Buffer.from(String(code).padStart(3, '0')), Buffer.from(rest)]);
        expect(sniffNonSmtp(buf)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });
});
