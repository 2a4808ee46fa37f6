import { describe, expect, it } from 'vitest';
import type { TranscriptLine } from '../../../src/model/report.js';
import { parseDialogue } from '../../../src/record/dialogue.js';

const line = (t: number, dir: TranscriptLine['dir'], text: string): TranscriptLine => ({ t, dir, text });

describe('parseDialogue', () => {
  it('pairs the greeting, multi-line replies and commands, with latencies', () => {
    const d = parseDialogue([
      line(0, '*', 'connecting to 127.0.0.1 port 25'),
      line(40, '*', 'connected to 127.0.0.1:25'),
      line(1040, '<', '220-relay.test ESMTP'),
      line(1040, '<', '220 second line'),
      line(1050, '>', 'EHLO client.test'),
      line(1090, '<', '250-relay.test'),
      line(1090, '<', '250 STARTTLS'),
    ]);
    expect(d.connectedAt).toBe(40);
    expect(d.greeting).toEqual({ code: 220, text: ['relay.test ESMTP', 'second line'], latencyMs: 1000 });
    expect(d.exchanges).toHaveLength(1);
    expect(d.exchanges[0]).toMatchObject({ verb: 'EHLO', at: 1050, reply: { code: 250, text: ['relay.test', 'STARTTLS'], latencyMs: 40 } });
  });

  it('counts AUTH challenges and takes the reply after the last round; SASL answers are not commands', () => {
    const d = parseDialogue([
      line(0, '<', '220 x'),
      line(1, '>', 'AUTH LOGIN'),
      line(2, '<', '334 VXNlcm5hbWU6'),
      line(3, '>', '<redacted:username>'),
      line(4, '<', '334 UGFzc3dvcmQ6'),
      line(5, '>', '<redacted:password>'),
      line(9, '<', '535 5.7.8 Error: authentication failed'),
      line(10, '>', 'QUIT'),
      line(11, '<', '221 Bye'),
    ]);
    expect(d.exchanges.map((e) => e.verb)).toEqual(['AUTH', 'QUIT']);
    const auth = d.exchanges[0];
    expect(auth?.challenges).toEqual(['VXNlcm5hbWU6', 'UGFzc3dvcmQ6']);
    expect(auth?.initialResponse).toBe(false);
    expect(auth?.reply).toEqual({ code: 535, text: ['5.7.8 Error: authentication failed'], latencyMs: 4 });
  });

  it('notes an initial response and a command left without a reply', () => {
    const d = parseDialogue([line(0, '<', '220 x'), line(1, '>', 'AUTH PLAIN <redacted:credentials>'), line(5, '*', 'timeout: auth after 5000 ms')]);
    expect(d.exchanges[0]).toMatchObject({ verb: 'AUTH', initialResponse: true });
    expect(d.exchanges[0]?.reply).toBeUndefined();
    expect(d.events).toEqual(['timeout: auth after 5000 ms']);
  });
});
