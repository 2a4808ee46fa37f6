import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../../src/probe/ip-family.js';

describe('ipFamily', () => {
  it('answers as net.isIP does on literals, names and near misses', () => {
    for (const s of ['127.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '::1', '::', 'fe80::1%eth0', '2001:db8::1',
      '::ffff:192.0.2.1', '[::1]', 'smarthost.test', 'a:b', '', '1.2.3.4:25', 'localhost', '2001:db8:::1']) {
      expect({ s, family: ipFamily(s) }).toEqual({ s, family: isIP(s) });
    }
  });

  it('answers as net.isIP does on any string (property)', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.domain()), (s) => ipFamily(s) === isIP(s)));
  });
});
