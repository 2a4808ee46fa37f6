import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSER_LIMITS, ReplyParser, type ParseEvent } from '../../../src/probe/smtp/reply-parser.js';

function feed(input: string | Buffer, parser = new ReplyParser()): ParseEvent[] {
  return parser.push(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
}

function feedBytewise(input: string, parser = new ReplyParser()): ParseEvent[] {
  const bytes = Buffer.from(input, 'latin1');
  const events: ParseEvent[] = [];
  for (let i = 0; i < bytes.length; i++) events.push(...parser.push(bytes.subarray(i, i + 1)));
  return events;
}

describe('ReplyParser', () => {
  it('has the documented default limits', () => {
    expect(DEFAULT_PARSER_LIMITS).toEqual({ maxLineBytes: 8192, maxReplyLines: 1000, maxReplyBytes: 65536 });
  });

  it('parses a single-line banner', () => {
    const events = feed('220 mx.example.net ESMTP Postfix\r\n');
    expect(events).toEqual([
      { kind: 'reply', reply: { code: 220, lines: ['mx.example.net ESMTP Postfix'] }, raw: ['220 mx.example.net ESMTP Postfix'] },
    ]);
  });

  it('parses a multi-line EHLO reply (RFC 5321 §4.2.1)', () => {
    const input = '250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n';
    const [e] = feed(input);
    expect(e).toEqual({
      kind: 'reply',
      reply: { code: 250, lines: ['mx.example.net', 'PIPELINING', 'SIZE 10240000', 'STARTTLS', '8BITMIME'] },
      raw: ['250-mx.example.net', '250-PIPELINING', '250-SIZE 10240000', '250-STARTTLS', '250 8BITMIME'],
    });
  });

  it('accepts a bare code as the last line', () => {
    expect(feed('250-first\r\n250\r\n')).toEqual([
      { kind: 'reply', reply: { code: 250, lines: ['first', ''] }, raw: ['250-first', '250'] },
    ]);
  });

  it('gives the same events whatever the packet split', () => {
    const input = '220 banner\r\n250-a\r\n250-b\r\n250 c\r\n535 5.7.8 Error: authentication failed\r\n';
    expect(feedBytewise(input)).toEqual(feed(input));
    expect(feed(input)).toHaveLength(3);
  });

  it('completes a reply only when its last line arrives', () => {
    const p = new ReplyParser();
    expect(p.push(Buffer.from('250-mx.example.net\r\n250-AUTH PL'))).toEqual([]);
    expect(p.pendingBytes).toBe('250-AUTH PL'.length);
    expect(p.push(Buffer.from('AIN\r'))).toEqual([]);
    const events = p.push(Buffer.from('\n250 OK\r\n'));
    expect(events).toHaveLength(1);
    expect(p.pendingBytes).toBe(0);
  });

  describe('enhanced status codes (RFC 3463)', () => {
    it('takes the enhanced status from the first line and strips it from every line', () => {
      const [e] = feed('535-5.7.8 Username and Password not accepted. Learn more at\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials x - gsmtp\r\n');
      expect(e).toMatchObject({
        kind: 'reply',
        reply: {
          code: 535,
          enhanced: '5.7.8',
          lines: ['Username and Password not accepted. Learn more at', 'https://support.google.com/mail/?p=BadCredentials x - gsmtp'],
        },
      });
    });

    it('parses the Microsoft 365 5.7.139 reply', () => {
      const [e] = feed('535 5.7.139 Authentication unsuccessful, basic authentication is disabled.\r\n');
      expect(e).toMatchObject({ reply: { code: 535, enhanced: '5.7.139', lines: ['Authentication unsuccessful, basic authentication is disabled.'] } });
    });

    it('ignores a status whose class differs from the reply code', () => {
      const [e] = feed('550 2.0.0 odd\r\n');
      expect(e).toMatchObject({ reply: { code: 550, lines: ['2.0.0 odd'] } });
      expect(e?.kind === 'reply' && 'enhanced' in e.reply).toBe(false);
    });

    it('does not take a status that is glued to text or too long', () => {
      const [a] = feed('250 2.0.0ok\r\n');
      const [b] = feed('250 2.0.1234 x\r\n');
      expect(a?.kind === 'reply' && 'enhanced' in a.reply).toBe(false);
      expect(b?.kind === 'reply' && 'enhanced' in b.reply).toBe(false);
    });

    it('accepts a status alone on the line', () => {
      const [e] = feed('221 2.0.0\r\n');
      expect(e).toMatchObject({ reply: { code: 221, enhanced: '2.0.0', lines: [''] } });
    });

    it('leaves a different status on a later line', () => {
      const [e] = feed('550-5.1.1 first\r\n550 5.7.1 second\r\n');
      expect(e).toMatchObject({ reply: { enhanced: '5.1.1', lines: ['first', '5.7.1 second'] } });
    });
  });

  describe('line endings', () => {
    it('tolerates a bare LF and flags it', () => {
      const [e] = feed('220 old relay\n');
      expect(e).toEqual({ kind: 'reply', reply: { code: 220, lines: ['old relay'], bareLf: true }, raw: ['220 old relay'] });
    });

    it('flags a reply when any of its lines ends in a bare LF', () => {
      const [e] = feed('250-a\r\n250-b\n250 c\r\n');
      expect(e).toMatchObject({ reply: { lines: ['a', 'b', 'c'], bareLf: true } });
    });

    it('keeps a lone CR inside the text', () => {
      const [e] = feed('250 a\rb\r\n');
      expect(e).toMatchObject({ reply: { lines: ['a\rb'] } });
    });
  });

  describe('violations', () => {
    it('reports a line that is not a reply line, and keeps going', () => {
      const events = feed('SSH-2.0-OpenSSH_9.2\r\n220 ok\r\n');
      expect(events[0]).toMatchObject({ kind: 'violation', line: 'SSH-2.0-OpenSSH_9.2' });
      expect(events[1]).toMatchObject({ kind: 'reply', reply: { code: 220 } });
    });

    it('reports a code change inside a multi-line reply and starts afresh', () => {
      const events = feed('250-a\r\n251 b\r\n');
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ kind: 'violation', line: '251 b' });
      expect(events[1]).toMatchObject({ kind: 'reply', reply: { code: 251, lines: ['b'] } });
    });

    it('reports garbage such as a tab separator, an empty line or a two-digit code', () => {
      for (const bad of ['220\tx', '', '22 x', '220x', ' 220 x', '620 x']) {
        const [e] = feed(`${bad}\r\n`);
        expect(e, bad).toMatchObject({ kind: 'violation' });
      }
    });

    it('makes violation lines printable and short', () => {
      const [e] = feed(Buffer.concat([Buffer.from([0x00, 0x1b, 0x7f]), Buffer.alloc(500, 0x41), Buffer.from('\r\n')]));
      expect(e?.kind).toBe('violation');
      const line = e?.kind === 'violation' ? e.line ?? '' : '';
      expect(line.startsWith('\\x00\\x1b\\x7f')).toBe(true);
      expect(line.length).toBeLessThanOrEqual(200);
      expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
    });

    it('reports an over-long line once, without buffering it', () => {
      const p = new ReplyParser({ maxLineBytes: 100 });
      const events: ParseEvent[] = [];
      events.push(...p.push(Buffer.from('250 ')));
      for (let i = 0; i < 1024; i++) {
        events.push(...p.push(Buffer.alloc(1024, 0x61)));
        expect(p.pendingBytes).toBeLessThanOrEqual(101);
      }
      events.push(...p.push(Buffer.from('\r\n221 bye\r\n')));
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ kind: 'violation', detail: expect.stringContaining('100 bytes') });
      expect(events[1]).toMatchObject({ kind: 'reply', reply: { code: 221 } });
    });

    it('reports a 1 MiB line that arrives in one chunk with its LF, then parses on', () => {
      const p = new ReplyParser();
      const events = p.push(Buffer.concat([Buffer.from('250-'), Buffer.alloc(1 << 20, 0x62), Buffer.from('\r\n250 ok\r\n')]));
      expect(events.map((e) => e.kind)).toEqual(['violation', 'reply']);
      expect(p.pendingBytes).toBe(0);
    });

    it('accepts a line of exactly maxLineBytes, even with its CR held back', () => {
      const p = new ReplyParser({ maxLineBytes: 10 });
      expect(p.push(Buffer.from('250 123456\r'))).toEqual([]);
      expect(p.push(Buffer.from('\n'))).toMatchObject([{ kind: 'reply', reply: { lines: ['123456'] } }]);
    });

    it('reports the same over-long line whether it arrives whole or in pieces', () => {
      const input = `250-x\r\n250 ${'z'.repeat(300)}\r\n250 ok\r\n`;
      const limits = { maxLineBytes: 50 };
      expect(feedBytewise(input, new ReplyParser(limits))).toEqual(feed(input, new ReplyParser(limits)));
    });

    it('reports an endless multi-line reply and recovers after its last line', () => {
      const p = new ReplyParser({ maxReplyLines: 5 });
      const body = Array.from({ length: 20 }, (_, i) => `250-line ${i}\r\n`).join('');
      const events = p.push(Buffer.from(`${body}250 end\r\n220 next\r\n`));
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ kind: 'violation', detail: expect.stringContaining('5 lines') });
      expect(events[1]).toMatchObject({ kind: 'reply', reply: { code: 220, lines: ['next'] } });
    });

    it('reports a reply over maxReplyBytes', () => {
      const p = new ReplyParser({ maxReplyBytes: 64 });
      const events = p.push(Buffer.from(`250-${'a'.repeat(40)}\r\n250 ${'b'.repeat(40)}\r\n`));
      expect(events).toEqual([expect.objectContaining({ kind: 'violation' })]);
    });

    it('never throws on binary, and decodes latin1 when the bytes are not UTF-8', () => {
      const p = new ReplyParser();
      const [e] = p.push(Buffer.from([0x32, 0x32, 0x30, 0x20, 0xe9, 0x74, 0xe9, 0x0d, 0x0a]));
      expect(e).toMatchObject({ reply: { code: 220, lines: ['été'] } });
      const [u] = p.push(Buffer.from('220 日本語\r\n', 'utf8'));
      expect(u).toMatchObject({ reply: { lines: ['日本語'] } });
      expect(() => p.push(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x0a, 0x00]))).not.toThrow();
    });
  });
});
