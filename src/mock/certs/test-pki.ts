// @peculiar/x509 resolves its ASN.1 serializers through tsyringe, which needs the Reflect
// metadata API; the polyfill must be evaluated before the library, hence this first import.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { isIP } from 'node:net';
import { randomBytes, webcrypto } from 'node:crypto';
import type { CertProfile } from './cert-profile.js';

type Crypto = webcrypto.Crypto;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

/** IssuedCert: a certificate with its key, in the PEM forms a TLS server or client loads. */
export interface IssuedCert {
  /** PKCS#8 private key PEM. */
  keyPem: string;
  /** The leaf only. */
  certPem: string;
  /**
   * What a server should send: leaf + intermediate; the leaf only for `missing-intermediate`,
   * `self-signed` and client certificates.
   */
  chainPem: string;
}

export interface IssueOptions {
  /** Names the certificate is for; DNS names and IP literals (SAN iPAddress) both work. */
  hostnames: string[];
  /** For `expires-soon`: days left before notAfter, default 5. */
  days?: number;
  /** The leaf's subject (SUBJECT_PATTERN); default `CN=<first host name>`. */
  subject?: string;
}

/**
 * TestPki: a throw-away PKI made at call time — root CA, intermediate, client CA — that issues
 * leaf certificates for every CertProfile. Nothing with fixed dates is ever committed
 * (docs/design.md, "Mock smart host and scenarios"): dates are relative to the `now` given to createTestPki.
 *
 * Note on OpenSSL 3: a server context refuses to load the `sha1-signature` chain at Node's
 * default security level (1) with "ca md too weak", and the `weak-key` (RSA 1024) leaf at level 2
 * (the system default on some distributions) with "ee key too small". A server presenting
 * either must use `ciphers: 'DEFAULT:@SECLEVEL=0'` in its secure context (see
 * PROFILES_NEEDING_SECLEVEL_0). Every other profile loads at the default level.
 */
export interface TestPki {
  /** Test root CA certificate PEM (the file users pass as --ca). */
  rootPem: string;
  intermediatePem: string;
  /** CA that signs trusted client certificates (a server's `ca` for mTLS). */
  clientCaPem: string;
  issue(profile: CertProfile, opts: IssueOptions): Promise<IssuedCert>;
  /**
   * A client certificate for mTLS; `untrusted` = signed by a CA the server does not know;
   * `serverAuthOnly` = its extended key usage is serverAuth only, as public CAs issue since 2026.
   */
  issueClient(commonName: string, opts?: { untrusted?: boolean; serverAuthOnly?: boolean }): Promise<IssuedCert>;
  /**
   * A self-signed RSA certificate, as an app's certificate credential for OAuth client
   * assertions (Microsoft Entra ID accepts RSA keys only; it checks the key, not the issuer).
   */
  issueAppCertificate(commonName: string): Promise<IssuedCert>;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Algorithms. CA keys are RSA so that the intermediate can sign both SHA-256 and SHA-1
 * leaves (an ECDSA CA cannot make sha1WithRSAEncryption); leaves are ECDSA P-256, which is
 * fast to generate and accepted at every OpenSSL security level.
 */
const RSA_2048 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const RSA_1024 = { ...RSA_2048, modulusLength: 1024 };
const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
const RSA_SHA1 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' };
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' };

interface Authority {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  signingAlgorithm: typeof RSA_SHA256 | typeof ECDSA_SHA256;
}

/**
 * createTestPki makes the root, intermediate, trusted client CA and an unrelated client CA.
 * @param opts.now the instant all validity periods are relative to (default: the clock now).
 */
export async function createTestPki(opts: { now?: Date } = {}): Promise<TestPki> {
  const crypto = webcrypto as Crypto;
  const now = (opts.now ?? new Date()).getTime();
  const caFrom = new Date(now - DAY_MS);
  const caTo = new Date(now + 10 * 365 * DAY_MS);

  const [rootKeys, interKeys, clientCaKeys, foreignCaKeys] = await Promise.all([
    generate(crypto, RSA_2048), generate(crypto, RSA_2048), generate(crypto, EC_P256), generate(crypto, EC_P256),
  ]);

  const root = await selfSignedCa(crypto, 'CN=smtprobe Test Root CA,O=smtprobe test', rootKeys, RSA_SHA256, caFrom, caTo);
  const inter: Authority = {
    cert: await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: 'CN=smtprobe Test Intermediate CA,O=smtprobe test',
      issuer: root.cert.subject,
      notBefore: caFrom,
      notAfter: caTo,
      publicKey: interKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: RSA_SHA256,
      extensions: await caExtensions(crypto, interKeys, rootKeys, 0),
    }, crypto),
    keys: interKeys,
    signingAlgorithm: RSA_SHA256,
  };
  const clientCa = await selfSignedCa(crypto, 'CN=smtprobe Test Client CA,O=smtprobe test', clientCaKeys, ECDSA_SHA256, caFrom, caTo);
  const foreignCa = await selfSignedCa(crypto, 'CN=smtprobe Untrusted Client CA,O=elsewhere', foreignCaKeys, ECDSA_SHA256, caFrom, caTo);

  // webcrypto binds the hash to an RSA key, so the SHA-1 signer is the same private key
  // imported a second time with hash SHA-1; made once, on first use.
  let sha1Signer: Promise<CryptoKey> | undefined;
  const interSha1 = (): Promise<CryptoKey> => {
    sha1Signer ??= crypto.subtle.exportKey('pkcs8', interKeys.privateKey)
      .then((der) => crypto.subtle.importKey('pkcs8', der, RSA_SHA1, false, ['sign']));
    return sha1Signer;
  };

  const rootPem = pem(root.cert);
  const intermediatePem = pem(inter.cert);

  return {
    rootPem,
    intermediatePem,
    clientCaPem: pem(clientCa.cert),

    async issue(profile, issueOpts) {
      const hostnames = issueOpts.hostnames;
      if (hostnames.length === 0) throw new TypeError('issue: hostnames must not be empty');
      const spec = leafSpec(profile, hostnames, now, issueOpts.days ?? 5);
      const keys = await generate(crypto, profile === 'weak-key' ? RSA_1024 : EC_P256);
      const selfSigned = profile === 'self-signed';
      const issuerKeys = selfSigned ? keys : interKeys;
      const subject = issueOpts.subject ?? `CN=${spec.names[0]}`;
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject,
        issuer: selfSigned ? subject : inter.cert.subject,
        notBefore: spec.notBefore,
        notAfter: spec.notAfter,
        publicKey: keys.publicKey,
        signingKey: profile === 'sha1-signature' ? await interSha1() : issuerKeys.privateKey,
        signingAlgorithm: selfSigned ? ECDSA_SHA256 : profile === 'sha1-signature' ? RSA_SHA1 : RSA_SHA256,
        extensions: await leafExtensions(crypto, keys, issuerKeys, spec.names, x509.ExtendedKeyUsage.serverAuth, !selfSigned),
      }, crypto);
      const certPem = pem(cert);
      const leafOnly = selfSigned || profile === 'missing-intermediate';
      return { keyPem: await privateKeyPem(crypto, keys), certPem, chainPem: leafOnly ? certPem : certPem + intermediatePem };
    },

    async issueClient(commonName, clientOpts = {}) {
      const ca = clientOpts.untrusted ? foreignCa : clientCa;
      const keys = await generate(crypto, EC_P256);
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${commonName}`,
        issuer: ca.cert.subject,
        notBefore: new Date(now - HOUR_MS),
        notAfter: new Date(now + 365 * DAY_MS),
        publicKey: keys.publicKey,
        signingKey: ca.keys.privateKey,
        signingAlgorithm: ECDSA_SHA256,
        extensions: await leafExtensions(crypto, keys, ca.keys, [], clientOpts.serverAuthOnly ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth),
      }, crypto);
      const certPem = pem(cert);
      return { keyPem: await privateKeyPem(crypto, keys), certPem, chainPem: certPem };
    },

    async issueAppCertificate(commonName) {
      const keys = await generate(crypto, RSA_2048);
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serial(),
        name: `CN=${commonName}`,
        notBefore: new Date(now - HOUR_MS),
        notAfter: new Date(now + 2 * DAY_MS),
        keys,
        signingAlgorithm: RSA_SHA256,
      }, crypto);
      const certPem = pem(cert);
      return { keyPem: await privateKeyPem(crypto, keys), certPem, chainPem: certPem };
    },
  };
}

interface LeafSpec {
  names: string[];
  notBefore: Date;
  notAfter: Date;
}

/** leafSpec: the names and validity period a profile calls for. */
function leafSpec(profile: CertProfile, hostnames: string[], now: number, daysLeft: number): LeafSpec {
  // Valid certificates start an hour back so that small clock skew never makes them "not yet valid".
  const valid = { names: hostnames, notBefore: new Date(now - HOUR_MS), notAfter: new Date(now + 365 * DAY_MS) };
  switch (profile) {
    case 'expired':
      return { ...valid, notBefore: new Date(now - 395 * DAY_MS), notAfter: new Date(now - 30 * DAY_MS) };
    case 'not-yet-valid':
      return { ...valid, notBefore: new Date(now + 30 * DAY_MS), notAfter: new Date(now + 395 * DAY_MS) };
    case 'expires-soon':
      return { ...valid, notBefore: new Date(now - 360 * DAY_MS), notAfter: new Date(now + daysLeft * DAY_MS) };
    case 'wrong-host':
      return { ...valid, names: ['wrong.invalid'] };
    case 'wildcard':
      return { ...valid, names: [wildcardFor(hostnames[0] as string)] };
    default:
      return valid;
  }
}

/** wildcardFor: `*.` plus the parent domain of `host` (`mail.example.test` → `*.example.test`). */
function wildcardFor(host: string): string {
  const dot = host.indexOf('.');
  return `*.${dot === -1 ? host : host.slice(dot + 1)}`;
}

async function generate(crypto: Crypto, alg: typeof RSA_2048 | typeof EC_P256): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

async function selfSignedCa(
  crypto: Crypto, name: string, keys: CryptoKeyPair, signingAlgorithm: Authority['signingAlgorithm'], notBefore: Date, notAfter: Date,
): Promise<Authority> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name, notBefore, notAfter, keys, signingAlgorithm,
    extensions: await caExtensions(crypto, keys, keys),
  }, crypto);
  return { cert, keys, signingAlgorithm };
}

async function caExtensions(crypto: Crypto, subject: CryptoKeyPair, issuer: CryptoKeyPair, pathLength?: number): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(subject.publicKey, false, crypto),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey, false, crypto),
  ];
}

/**
 * leafExtensions: the usual end-entity extensions. A self-signed leaf gets no KeyUsage, as
 * snake-oil certificates (`openssl req -x509`, Debian's ssl-cert) have none; with one lacking
 * keyCertSign, OpenSSL would not even consider the certificate its own issuer.
 */
async function leafExtensions(
  crypto: Crypto, subject: CryptoKeyPair, issuer: CryptoKeyPair, names: string[], usage: x509.ExtendedKeyUsage, keyUsage = true,
): Promise<x509.Extension[]> {
  const ext: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.ExtendedKeyUsageExtension([usage]),
    await x509.SubjectKeyIdentifierExtension.create(subject.publicKey, false, crypto),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey, false, crypto),
  ];
  if (keyUsage) {
    ext.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true));
  }
  if (names.length > 0) {
    ext.push(new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: isIP(value) ? 'ip' as const : 'dns' as const, value }))));
  }
  return ext;
}

async function privateKeyPem(crypto: Crypto, keys: CryptoKeyPair): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return `${x509.PemConverter.encode(der, 'PRIVATE KEY')}\n`;
}

/** pem: a certificate in PEM, newline-terminated so that PEMs concatenate into a bundle. */
function pem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem')}\n`;
}

/** serial: 16 random bytes, top bit clear so the DER INTEGER stays positive (RFC 5280 §4.1.2.2). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] as number) & 0x7f | 0x01;
  return b.toString('hex');
}
