/**
 * fleet-tls-cache-patch: applies, to the bench's private compiled copy only (never to src/),
 * the change bench/README.md proposes for src/probe/tls/: build the trust store and the TLS
 * secure context once per distinct --ca set instead of once (or twice) per probe. The bench
 * runs with it when BENCH_TLS_CACHE=1, so the README can show both numbers.
 *
 *   node bench/fleet-tls-cache-patch.mjs <compiled-root>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = process.argv[2];
const edit = (file, from, to) => {
  const p = path.join(root, file);
  const s = readFileSync(p, 'utf8');
  if (!s.includes(from)) throw new Error(`${file}: pattern not found: ${from}`);
  writeFileSync(p, s.replace(from, to));
};

edit('src/probe/tls/trust-store.js', '    static from(extraCa) {',
  `    static from(extraCa) {
        const key = extraCa.join('\\n');
        let hit = TRUST_CACHE.get(key);
        if (!hit) { hit = TrustStore.parse(extraCa); TRUST_CACHE.set(key, hit); }
        return hit;
    }
    static parse(extraCa) {`);
edit('src/probe/tls/trust-store.js', 'export class TrustStore {', 'const TRUST_CACHE = new Map();\nexport class TrustStore {');

// With a memoised TrustStore.from, the store (and the TLS contexts it keeps) is shared by all
// probes with the same --ca; connectOptions only needs to use it when no store was passed in.
edit('src/probe/tls/handshake.js', '  const store = usableStore(opts);\n', '  const store = usableStore(opts) ?? TrustStore.from(opts.ca);\n');
process.stderr.write('fleet-tls-cache-patch: trust store and secure context cached per CA set (bench copy only)\n');
