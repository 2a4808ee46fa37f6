/**
 * fleet-ticket-wait-patch: applies, to the bench's private compiled copy only (never to src/),
 * the TLS 1.3 workaround bench/README.md proposes for src/probe/tls/handshake.ts: after the
 * handshake, wait (bounded, 50 ms) for the server's NewSessionTicket and then one event-loop
 * turn before the first write, so the post-STARTTLS EHLO carries the ACK of the ticket segment
 * and the server's Nagle algorithm has nothing to hold its EHLO reply behind.
 * BENCH_TICKET_WAIT=1 enables it.
 *
 *   node bench/fleet-ticket-wait-patch.mjs <compiled-root>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const file = path.join(process.argv[2], 'src/probe/tls/handshake.js');
const from = '            finish(primary ? { socket, data, error: { code: primary.code, message: primary.detail } } : { socket, data });';
const s = readFileSync(file, 'utf8');
if (!s.includes(from)) throw new Error('handshake.js: pattern not found');
writeFileSync(file, s.replace(from, `            const go = () => finish(primary ? { socket, data, error: { code: primary.code, message: primary.detail } } : { socket, data });
            if (socket.getProtocol() !== 'TLSv1.3') { go(); return; }
            // Never write from inside the 'session' callback (or its microtasks): Node then stalls the
            // write; continue on the next turn of the event loop.
            const bound = setTimeout(() => { socket.off('session', onTicket); go(); }, 50);
            const onTicket = () => { clearTimeout(bound); setImmediate(go); };
            socket.once('session', onTicket);`));
process.stderr.write('fleet-ticket-wait-patch: EHLO after TLS 1.3 waits for the session ticket (bench copy only)\n');
