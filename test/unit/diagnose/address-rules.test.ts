import { describe, expect, it } from 'vitest';
import { compareAddresses } from '../../../src/diagnose/address-rules.js';
import type { AddressResult } from '../../../src/model/report.js';

function node(address: string, over: Partial<AddressResult> = {}, summary: Partial<AddressResult['summary']> = {}): AddressResult {
  return {
    address, family: address.includes(':') ? 6 : 4, verdict: 'ok', durationMs: 100, steps: [], findings: [],
    certFingerprint256: 'AA:BB:CC:DD:EE:FF:00:11:22:33', capabilities: ['8BITMIME', 'AUTH LOGIN PLAIN'],
    ...over,
    summary: { replyCodes: { banner: 220 }, goalReached: true, tlsProtocol: 'TLSv1.3', ...summary },
  };
}

describe('compareAddresses (ADDRESS_INCONSISTENT)', () => {
  it('identical nodes: no finding, no odd one', () => {
    const r = compareAddresses([node('192.0.2.1'), node('192.0.2.2'), node('2001:db8::1')]);
    expect(r.finding).toBeUndefined();
    expect(r.odd.size).toBe(0);
  });

  it('one node on TLS 1.2 with another certificate: a warning naming it and what the others have', () => {
    const r = compareAddresses([node('192.0.2.1'), node('192.0.2.2', { certFingerprint256: '11:22:33:44:55:66:77:88:99' }, { tlsProtocol: 'TLSv1.2' }), node('192.0.2.3')]);
    expect(r.finding?.severity).toBe('warning');
    expect([...r.odd]).toEqual(['192.0.2.2']);
    expect(r.finding?.evidence).toEqual([
      'certificate: 192.0.2.2 differs (sha256 1122334455667788…); the other 2: sha256 aabbccddeeff0011…',
      'TLS version: 192.0.2.2 differs (TLSv1.2); the other 2: TLSv1.3',
    ]);
  });

  it('one node fails where the other passes: critical, and the failing one is odd even without a majority', () => {
    const r = compareAddresses([node('192.0.2.1', { verdict: 'critical' }, { failedStep: { step: 'auth', code: 'AUTH_TEMPFAIL' }, goalReached: false }), node('192.0.2.2')]);
    expect(r.finding?.severity).toBe('critical');
    expect([...r.odd]).toEqual(['192.0.2.1']);
    expect(r.finding?.evidence[0]).toBe('result: 192.0.2.1 differs (auth fails with AUTH_TEMPFAIL); the other 1: passes');
  });

  it('two nodes, two certificates: reported without calling either odd', () => {
    const r = compareAddresses([node('192.0.2.1'), node('192.0.2.2', { certFingerprint256: '11:22:33:44:55:66:77:88:99' })]);
    expect(r.finding?.severity).toBe('warning');
    expect(r.odd.size).toBe(0);
    expect(r.finding?.evidence).toEqual(['certificate: the addresses differ, no majority: 192.0.2.1: sha256 aabbccddeeff0011…; 192.0.2.2: sha256 1122334455667788…']);
  });

  it('a node that did not get as far as TLS is compared on what it has (the outcome), not on missing TLS data', () => {
    const down = node('192.0.2.3', { verdict: 'critical', capabilities: undefined, certFingerprint256: undefined }, { failedStep: { step: 'tcp', code: 'TCP_REFUSED' }, tlsProtocol: undefined, replyCodes: {} });
    delete down.capabilities;
    delete down.certFingerprint256;
    const r = compareAddresses([node('192.0.2.1'), node('192.0.2.2'), down]);
    expect(r.finding?.evidence).toEqual(['result: 192.0.2.3 differs (tcp fails with TCP_REFUSED); the other 2: passes']);
    expect([...r.odd]).toEqual(['192.0.2.3']);
  });

  it('capabilities and banner code count; an unknown (interrupted) outcome is not compared', () => {
    const r = compareAddresses([
      node('192.0.2.1'), node('192.0.2.2', { capabilities: ['8BITMIME'] }, { replyCodes: { banner: 554 } }), node('192.0.2.3'), node('192.0.2.4', { verdict: 'unknown' }),
    ]);
    expect(r.finding?.evidence).toEqual([
      'banner reply: 192.0.2.2 differs (554); the other 3: 220',
      'capabilities: 192.0.2.2 differs (8BITMIME); the other 3: 8BITMIME AUTH LOGIN PLAIN',
    ]);
  });
});
