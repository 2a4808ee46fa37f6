/**
 * The Target's trip to a probe worker: a structured clone keeps plain data only, so a Secret
 * (value in a private field) would arrive empty. The codec reveals each secret into the message
 * and wraps it again on the other side; nothing else may change.
 */
import { describe, expect, it } from 'vitest';
import { Interrupted, isInterrupted } from '../../../src/model/deadline.js';
import { Secret } from '../../../src/model/secret.js';
import type { Target } from '../../../src/model/target.js';
import { decodeAbortReason, decodeTarget, encodeAbortReason, encodeTarget } from '../../../src/run/worker-message.js';
import { target } from './fake-probe.js';

/** Every secret a Target can hold, each with its own value. */
function fullTarget(): Target {
  return {
    ...target('relay', '127.0.0.1', 587),
    tlsDomain: undefined,
    user: 'probe@smarthost.test',
    password: new Secret('pw-1'),
    token: new Secret('tok-2'),
    credentialSource: { kind: 'env', name: 'PW' },
    clientCert: '-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n',
    oauth: {
      provider: 'microsoft', grant: 'client_credentials', clientId: 'app', tenant: 't', tokenUrl: 'https://login.test/token',
      clientSecret: new Secret('cs-3'),
      clientCert: { certPem: 'CERT', keyPem: new Secret('key-4') },
      refreshToken: new Secret('rt-5'),
      serviceAccount: { clientEmail: 'sa@p.test', privateKey: new Secret('sa-6'), keyId: 'k' },
    },
    labels: { site: 'a' },
    authPolicy: { failLimit: 2 },
  };
}

/** revealAll: the target with every Secret replaced by its value, for deep comparison. */
function revealAll(v: unknown): unknown {
  if (v instanceof Secret) return { revealed: v.reveal() };
  if (Array.isArray(v)) return v.map(revealAll);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revealAll(x)]));
  return v;
}

/** classInstances: paths of every value in `v` that is not plain data (a structured clone would strip it). */
function classInstances(v: unknown, at = '$'): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => classInstances(x, `${at}[${i}]`));
  if (v && typeof v === 'object') {
    if (Object.getPrototypeOf(v) !== Object.prototype) return [at];
    return Object.entries(v).flatMap(([k, x]) => classInstances(x, `${at}.${k}`));
  }
  return typeof v === 'function' ? [at] : [];
}

describe('worker message codec', () => {
  it('a Target with every kind of secret arrives equal, each secret a Secret again', () => {
    const t = fullTarget();
    const wire = encodeTarget(t);
    expect(classInstances(wire)).toEqual([]);
    const back = decodeTarget(structuredClone(wire));
    expect(back.password).toBeInstanceOf(Secret);
    expect(back.oauth?.serviceAccount?.privateKey).toBeInstanceOf(Secret);
    expect(revealAll(back)).toStrictEqual(revealAll(t));
  });

  it('without the codec the clone loses the secrets (why it exists)', () => {
    const cloned = structuredClone(fullTarget()) as unknown as { password: unknown };
    expect(cloned.password).not.toBeInstanceOf(Secret);
  });

  it('a Target without secrets gains no fields', () => {
    const t = target('plain');
    expect(decodeTarget(structuredClone(encodeTarget(t)))).toStrictEqual(t);
  });

  it('an interrupt stays an interrupt (the steps say PROBE_INTERRUPTED), anything else an abort', () => {
    const ac = new AbortController();
    ac.abort(decodeAbortReason(structuredClone(encodeAbortReason(new Interrupted('SIGINT')))));
    expect(isInterrupted(ac.signal)).toBe(true);
    expect((ac.signal.reason as Interrupted).signalName).toBe('SIGINT');
    const other = new AbortController();
    other.abort(decodeAbortReason(encodeAbortReason(new Error('probe deadline passed'))));
    expect(isInterrupted(other.signal)).toBe(false);
    expect((other.signal.reason as Error).message).toBe('probe deadline passed');
  });
});
