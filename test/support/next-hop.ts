/**
 * The server behind a real submission server under test (Dovecot's submission_relay_host):
 * a minimal SMTP responder on loopback that greets, answers EHLO/MAIL/RSET/QUIT, accepts
 * recipients in its own domain and refuses the rest with Postfix's relay wording. It never
 * accepts DATA. Replies it sends reach smtprobe only through the front server, which is what
 * the pass-through attribution is tested against.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface NextHop {
  port: number;
  /** Every command line the front server sent (to check that no DATA ever went out). */
  commands: string[];
  close(): Promise<void>;
}

/** startNextHop listens on 127.0.0.1 (an ephemeral port); `domain` is the one it accepts mail for. */
export async function startNextHop(domain: string): Promise<NextHop> {
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.write('220 next-hop.test ESMTP Postfix\r\n');
    let buf = '';
    s.on('data', (b: Buffer) => {
      buf += b.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        commands.push(line);
        const verb = line.split(/[\s:]/)[0]?.toUpperCase() ?? '';
        if (verb === 'EHLO') s.write('250-next-hop.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n');
        else if (verb === 'RCPT') {
          const addr = /<([^>]*)>/.exec(line)?.[1] ?? '';
          if (addr.toLowerCase().endsWith(`@${domain}`)) s.write('250 2.1.5 Ok\r\n');
          else s.write(`554 5.7.1 <${addr}>: Relay access denied\r\n`);
        } else if (verb === 'DATA' || verb === 'BDAT') s.write('554 5.5.1 Error: no DATA in tests\r\n');
        else if (verb === 'QUIT') {
          s.write('221 2.0.0 Bye\r\n');
          s.end();
        } else s.write('250 2.0.0 Ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
