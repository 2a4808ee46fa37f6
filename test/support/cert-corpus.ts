/**
 * A corpus of certificate chains, one per class of RFC 5280 / Web PKI failure, made at test
 * time (nothing with fixed dates is committed). Each case says what smtprobe must decide
 * (accept: send credentials, or not) and what OpenSSL's own `openssl verify -purpose sslserver
 * -verify_hostname` decides on the same chain, so the suite shows where smtprobe is stricter
 * than OpenSSL — and proves it is never laxer.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { randomBytes, webcrypto } from 'node:crypto';

type Crypto = webcrypto.Crypto;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const crypto = webcrypto as Crypto;
const DAY = 86_400_000;
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' };
const RSA = (bits: number): webcrypto.RsaHashedKeyGenParams => ({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: bits });
const RSA_SHA1 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' };

export const CORPUS_HOST = 'smarthost.test';

/** A certificate with the keys that made it. */
export interface Issued {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  pem: string;
}

/** CorpusCase: what the server sends, what the client trusts, and the verdicts expected. */
export interface CorpusCase {
  name: string;
  /** Leaf first, as the server sends it. */
  chain: string[];
  leafKeyPem: string;
  /** The `--ca` PEMs. */
  anchors: string[];
  /** The name checked (tlsDomain); default CORPUS_HOST. */
  servername?: string;
  /** smtprobe accepts the certificate and sends the password. */
  smtprobeAccepts: boolean;
  /** `openssl verify -purpose sslserver -verify_hostname` accepts the chain. */
  opensslAccepts: boolean;
}

interface IssueSpec {
  subject: string;
  /** The issuer; omitted = self-signed. */
  issuer?: Issued;
  keys?: CryptoKeyPair;
  ca?: boolean;
  pathLen?: number;
  notBefore?: Date;
  notAfter?: Date;
  /** Extensions instead of the defaults (BC, KU, SKI, AKI, and for leaves EKU + SAN). */
  extensions?: x509.Extension[];
  /** Extensions added to the defaults. */
  extra?: x509.Extension[];
  san?: string[];
  signingAlgorithm?: typeof ECDSA_SHA256 | typeof RSA_SHA1 | { name: string; hash: string };
  signingKey?: webcrypto.CryptoKey;
  /** The serial number in hex (default: 16 random bytes, positive). */
  serial?: string;
}

const pemOf = (cert: x509.X509Certificate): string => `${cert.toString('pem')}\n`;
const serial = (): string => {
  const b = randomBytes(16);
  b[0] = ((b[0] as number) & 0x7f) | 0x01;
  return b.toString('hex');
};

async function ecKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** issue: a certificate with sensible defaults for a CA or a leaf, and room to break it. */
export async function issue(spec: IssueSpec): Promise<Issued> {
  const keys = spec.keys ?? await ecKeys();
  const issuerKeys = spec.issuer?.keys ?? keys;
  const now = Date.now();
  let extensions = spec.extensions;
  if (!extensions) {
    extensions = [
      new x509.BasicConstraintsExtension(spec.ca ?? false, spec.pathLen, true),
      new x509.KeyUsagesExtension(spec.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      await x509.AuthorityKeyIdentifierExtension.create(issuerKeys.publicKey, false, crypto),
    ];
    if (!spec.ca) extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
    const san = spec.san ?? (spec.ca ? [] : [CORPUS_HOST]);
    if (san.length > 0) extensions.push(sanExtension(san));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: spec.serial ?? serial(),
    subject: spec.subject,
    issuer: spec.issuer?.cert.subject ?? spec.subject,
    notBefore: spec.notBefore ?? new Date(now - DAY),
    notAfter: spec.notAfter ?? new Date(now + 300 * DAY),
    publicKey: keys.publicKey,
    signingKey: spec.signingKey ?? issuerKeys.privateKey,
    signingAlgorithm: spec.signingAlgorithm ?? (issuerKeys.privateKey.algorithm.name === 'ECDSA' ? ECDSA_SHA256 : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }),
    extensions: [...extensions, ...(spec.extra ?? [])],
  }, crypto);
  return { cert, keys, pem: pemOf(cert) };
}

export function sanExtension(names: string[], critical = false): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: /^[\d.]+$|:/.test(value) ? 'ip' as const : 'dns' as const, value })), critical);
}

type SubtreeSpec = { dns: string } | { ip: string };

/** nameConstraints: the extension, critical, with DNS and IP (CIDR) subtrees. */
export function nameConstraints(permitted: SubtreeSpec[], excluded: SubtreeSpec[] = []): x509.Extension {
  const general = (s: SubtreeSpec): asn1js.AsnType => {
    if ('dns' in s) return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: Buffer.from(s.dns, 'latin1') });
    const [addr = '', len = '0'] = s.ip.split('/');
    const bytes = addr.includes(':') ? v6(addr) : Uint8Array.from(addr.split('.').map(Number));
    const mask = new Uint8Array(bytes.length);
    for (let bits = Number(len), i = 0; i < mask.length; i++, bits -= 8) mask[i] = bits >= 8 ? 0xff : bits > 0 ? (0xff << (8 - bits)) & 0xff : 0;
    return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 7 }, valueHex: Buffer.concat([bytes, mask]) });
  };
  const subtrees = (tag: number, list: SubtreeSpec[]): asn1js.AsnType =>
    new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: tag }, value: list.map((s) => new asn1js.Sequence({ value: [general(s)] })) });
  const parts: asn1js.AsnType[] = [];
  if (permitted.length > 0) parts.push(subtrees(0, permitted));
  if (excluded.length > 0) parts.push(subtrees(1, excluded));
  return new x509.Extension('2.5.29.30', true, new asn1js.Sequence({ value: parts }).toBER());
}

function v6(text: string): Uint8Array {
  const [head = '', tail = ''] = text.split('::');
  const l = head ? head.split(':') : [];
  const r = tail ? tail.split(':') : [];
  const groups = text.includes('::') ? [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r] : l;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = parseInt(g, 16) >> 8;
    out[2 * i + 1] = parseInt(g, 16) & 0xff;
  });
  return out;
}

/** An extension no validator knows, marked critical. */
export const unknownCritical = (): x509.Extension => new x509.Extension('1.3.6.1.4.1.55555.7.1', true, new Uint8Array([0x05, 0x00]));

/**
 * asV1: the same certificate re-made as X.509 v1 (no extensions), signed again by the issuer.
 * @peculiar/x509 always writes v3, so the TBS is edited with @peculiar/asn1-x509.
 */
export async function asV1(leaf: Issued, issuer: Issued): Promise<Issued> {
  const parsed = AsnConvert.parse(leaf.cert.rawData, Certificate);
  parsed.tbsCertificate.version = 0;
  delete parsed.tbsCertificate.extensions;
  const tbs = AsnConvert.serialize(parsed.tbsCertificate);
  const raw = new Uint8Array(await crypto.subtle.sign(ECDSA_SHA256, issuer.keys.privateKey, tbs));
  parsed.signatureValue = p1363ToDer(raw);
  const cert = new x509.X509Certificate(AsnConvert.serialize(parsed));
  return { cert, keys: leaf.keys, pem: pemOf(cert) };
}

/** WebCrypto's ECDSA signature is r‖s; X.509 wants SEQUENCE { r INTEGER, s INTEGER }. */
function p1363ToDer(sig: Uint8Array): ArrayBuffer {
  const half = sig.length / 2;
  const int = (b: Uint8Array): asn1js.Integer => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const trimmed = b.subarray(i);
    const padded = (trimmed[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed);
    return new asn1js.Integer({ valueHex: padded });
  };
  return new asn1js.Sequence({ value: [int(sig.subarray(0, half)), int(sig.subarray(half))] }).toBER();
}

export async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return `${x509.PemConverter.encode(der, 'PRIVATE KEY')}\n`;
}

/** buildCorpus: every case, with fresh keys and dates relative to now. */
export async function buildCorpus(): Promise<CorpusCase[]> {
  const now = Date.now();
  const cases: CorpusCase[] = [];
  const add = async (name: string, leaf: Issued, rest: Issued[], anchors: Issued[], smtprobeAccepts: boolean, opensslAccepts: boolean, servername?: string): Promise<void> => {
    const c: CorpusCase = { name, chain: [leaf.pem, ...rest.map((r) => r.pem)], leafKeyPem: await keyPem(leaf.keys), anchors: anchors.map((a) => a.pem), smtprobeAccepts, opensslAccepts };
    if (servername) c.servername = servername;
    cases.push(c);
  };
  const root = await issue({ subject: 'CN=Corpus Root', ca: true });
  const inter = await issue({ subject: 'CN=Corpus Intermediate', issuer: root, ca: true });
  const leaf = (spec: Partial<IssueSpec> = {}, issuer: Issued = inter): Promise<Issued> => issue({ subject: `CN=${CORPUS_HOST}`, issuer, ...spec });

  await add('good chain', await leaf(), [inter], [root], true, true);
  await add('leaf, then an unrelated extra, then the intermediate', await leaf(), [await issue({ subject: 'CN=Stray', ca: true }), inter], [root], true, true);

  // Let's Encrypt 2021: the intermediate's issuer is sent also as an expired cross-signed copy.
  const oldRoot = await issue({ subject: 'CN=Old Root', ca: true, notBefore: new Date(now - 900 * DAY), notAfter: new Date(now - 30 * DAY) });
  const crossSigned = await issue({ subject: 'CN=Corpus Root', issuer: oldRoot, keys: root.keys, ca: true, notBefore: new Date(now - 800 * DAY), notAfter: new Date(now - 10 * DAY) });
  await add('extra expired cross-signed root sent (2021 Let\'s Encrypt pattern)', await leaf(), [inter, crossSigned], [root], true, true);

  await add('missing intermediate', await leaf(), [], [root], false, false);
  await add('self-signed leaf', await issue({ subject: `CN=${CORPUS_HOST}`, san: [CORPUS_HOST] }), [], [root], false, false);
  await add('expired leaf', await leaf({ notBefore: new Date(now - 100 * DAY), notAfter: new Date(now - DAY) }), [inter], [root], false, false);
  await add('intermediate not yet valid', await leaf({}, await issue({ subject: 'CN=Later', issuer: root, ca: true, notBefore: new Date(now + 5 * DAY) })), [], [root], false, false);
  {
    const expiredRoot = await issue({ subject: 'CN=Expired Root', ca: true, notBefore: new Date(now - 400 * DAY), notAfter: new Date(now - DAY) });
    const i = await issue({ subject: 'CN=Under Expired Root', issuer: expiredRoot, ca: true });
    await add('expired trust anchor', await leaf({}, i), [i], [expiredRoot], false, false);
  }
  await add('wrong host name', await leaf({ san: ['other.test'] }), [inter], [root], false, false);
  await add('name only in the subject CN, no SAN', await leaf({ san: [] }), [inter], [root], false, true);

  // name constraints, on the intermediate and on the root, DNS and IP, permitted and excluded
  const constrained = async (label: string, on: 'root' | 'intermediate', nc: x509.Extension, leafSan: string[], accept: boolean, servername?: string): Promise<void> => {
    const r = on === 'root' ? await issue({ subject: 'CN=Constrained Root', ca: true, extra: [nc] }) : root;
    const i = await issue({ subject: 'CN=Constrained Intermediate', issuer: r, ca: true, extra: on === 'intermediate' ? [nc] : [] });
    await add(label, await leaf({ san: leafSan }, i), [i], [r], accept, accept, servername);
  };
  await constrained('name constraints: DNS permitted, leaf inside', 'intermediate', nameConstraints([{ dns: CORPUS_HOST }]), [CORPUS_HOST], true);
  await constrained('name constraints: DNS permitted elsewhere (intermediate)', 'intermediate', nameConstraints([{ dns: 'example.com' }]), [CORPUS_HOST], false);
  await constrained('name constraints: DNS permitted elsewhere (root)', 'root', nameConstraints([{ dns: 'example.com' }]), [CORPUS_HOST], false);
  await constrained('name constraints: DNS excluded (root)', 'root', nameConstraints([], [{ dns: CORPUS_HOST }]), [CORPUS_HOST], false);
  await constrained('name constraints: a second SAN outside the permitted subtree', 'intermediate', nameConstraints([{ dns: CORPUS_HOST }]), [CORPUS_HOST, 'evil.test'], false);
  await constrained('name constraints: IPv4 permitted elsewhere', 'intermediate', nameConstraints([{ ip: '10.0.0.0/8' }]), [CORPUS_HOST, '127.0.0.1'], false);
  await constrained('name constraints: IPv4 excluded (root)', 'root', nameConstraints([], [{ ip: '127.0.0.0/8' }]), [CORPUS_HOST, '127.0.0.1'], false);
  await constrained('name constraints: IPv6 excluded', 'intermediate', nameConstraints([], [{ ip: '::1/128' }]), [CORPUS_HOST, '::1'], false);
  await constrained('name constraints: IPv4 permitted, leaf inside', 'intermediate', nameConstraints([{ ip: '127.0.0.0/8' }]), ['127.0.0.1'], true, '127.0.0.1');
  {
    const i = await issue({ subject: 'CN=Empty Constraints', issuer: root, ca: true, extra: [nameConstraints([])] });
    await add('name constraints that constrain nothing (no subtrees)', await leaf({}, i), [i], [root], false, true);
  }
  await add('name constraints in the leaf', await leaf({ extra: [nameConstraints([{ dns: CORPUS_HOST }])] }), [inter], [root], false, true);
  {
    const r = await issue({ subject: 'CN=Constrained Root 2', ca: true, extra: [nameConstraints([{ dns: CORPUS_HOST }])] });
    const i = await issue({ subject: 'CN=Intermediate With SAN', issuer: r, ca: true, extra: [sanExtension(['evil.test'])] });
    await add('name constraints: the intermediate\'s own SAN outside the root\'s subtree', await leaf({}, i), [i], [r], false, false);
  }

  {
    const i0 = await issue({ subject: 'CN=PathLen 0', issuer: root, ca: true, pathLen: 0 });
    const i1 = await issue({ subject: 'CN=Below PathLen 0', issuer: i0, ca: true });
    await add('pathLenConstraint 0 exceeded', await leaf({}, i1), [i1, i0], [root], false, false);
    await add('pathLenConstraint 0 respected', await leaf({}, i0), [i0], [root], true, true);
  }
  {
    const notCa = await issue({ subject: 'CN=Not A CA', issuer: root, ca: false, san: [] });
    await add('issuer is not a CA (basicConstraints cA=FALSE)', await leaf({}, notCa), [notCa], [root], false, false);
  }
  await add('unknown critical extension on the leaf', await leaf({ extra: [unknownCritical()] }), [inter], [root], false, false);
  {
    const i = await issue({ subject: 'CN=Critical Intermediate', issuer: root, ca: true, extra: [unknownCritical()] });
    await add('unknown critical extension on the intermediate', await leaf({}, i), [i], [root], false, false);
    const r = await issue({ subject: 'CN=Critical Root', ca: true, extra: [unknownCritical()] });
    const i2 = await issue({ subject: 'CN=Under Critical Root', issuer: r, ca: true });
    await add('unknown critical extension on the trust anchor', await leaf({}, i2), [i2], [r], false, false);
  }
  {
    const k = await ecKeys();
    const defaults = async (eku: x509.Extension | undefined, extra: x509.Extension[] = []): Promise<x509.Extension[]> => [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(k.publicKey, false, crypto),
      await x509.AuthorityKeyIdentifierExtension.create(inter.keys.publicKey, false, crypto),
      ...(eku ? [eku] : []), sanExtension([CORPUS_HOST]), ...extra,
    ];
    await add('empty extended key usage', await leaf({ keys: k, extensions: await defaults(new x509.Extension('2.5.29.37', false, new asn1js.Sequence({ value: [] }).toBER())) }), [inter], [root], false, false);
    await add('extended key usage clientAuth only', await leaf({ keys: k, extensions: await defaults(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])) }), [inter], [root], false, false);
    await add('no extended key usage at all', await leaf({ keys: k, extensions: await defaults(undefined) }), [inter], [root], true, true);
    await add('duplicate subjectAltName extension', await leaf({ keys: k, extensions: await defaults(undefined, [sanExtension([CORPUS_HOST])]) }), [inter], [root], false, false);
  }
  {
    const k = await ecKeys();
    const caLeaf = [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.SubjectKeyIdentifierExtension.create(k.publicKey, false, crypto),
      await x509.AuthorityKeyIdentifierExtension.create(inter.keys.publicKey, false, crypto),
      sanExtension([CORPUS_HOST]),
    ];
    await add('CA certificate as the leaf', await leaf({ keys: k, extensions: caLeaf }), [inter], [root], false, true);
  }
  {
    const k = await ecKeys();
    const exts = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(inter.keys.publicKey, false, crypto),
      sanExtension([CORPUS_HOST]),
    ];
    await add('leaf key usage allows no TLS use (keyCertSign only)', await leaf({ keys: k, extensions: exts }), [inter], [root], false, false);
    const critAki = [exts[0] as x509.Extension, new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), exts[2] as x509.Extension,
      await x509.AuthorityKeyIdentifierExtension.create(inter.keys.publicKey, true, crypto), sanExtension([CORPUS_HOST])];
    await add('critical authority key identifier', await leaf({ keys: k, extensions: critAki }), [inter], [root], false, false);
    const wrongAki = [exts[0] as x509.Extension, critAki[1] as x509.Extension, exts[2] as x509.Extension,
      new x509.AuthorityKeyIdentifierExtension(randomBytes(20).toString('hex')), sanExtension([CORPUS_HOST])];
    await add('authority key identifier matches no issuer', await leaf({ keys: k, extensions: wrongAki }), [inter], [root], false, false);
  }
  {
    const empty = await issue({ subject: '', issuer: inter, extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]), sanExtension([CORPUS_HOST], true)] });
    await add('empty subject with a critical SAN (allowed by RFC 5280)', empty, [inter], [root], true, true);
  }
  {
    const nameless = await issue({ subject: '', issuer: root, ca: true });
    await add('CA with an empty subject (the leaf has an empty issuer name)', await leaf({}, nameless), [nameless], [root], false, true);
  }
  await add('X.509 v1 leaf', await asV1(await leaf(), inter), [inter], [root], false, true);
  {
    const rsaInter = await issue({ subject: 'CN=RSA Intermediate', issuer: root, ca: true, keys: await crypto.subtle.generateKey(RSA(2048), true, ['sign', 'verify']) as CryptoKeyPair });
    await add('RSA 1024-bit leaf key', await leaf({ keys: await crypto.subtle.generateKey(RSA(1024), true, ['sign', 'verify']) as CryptoKeyPair }, rsaInter), [rsaInter], [root], false, true);
    const sha1Key = await crypto.subtle.importKey('pkcs8', await crypto.subtle.exportKey('pkcs8', rsaInter.keys.privateKey), RSA_SHA1, false, ['sign']);
    await add('leaf signed with SHA-1', await leaf({ signingAlgorithm: RSA_SHA1, signingKey: sha1Key }, rsaInter), [rsaInter], [root], false, true);
    await add('RSA leaf key of 2052 bits (not a whole number of bytes)', await leaf({ keys: await crypto.subtle.generateKey(RSA(2052), true, ['sign', 'verify']) as CryptoKeyPair }, rsaInter), [rsaInter], [root], false, true);
  }
  {
    // The anchor's key signs what is below it: a weak root key is a weak chain, whatever the leaf.
    const weakRoot = await issue({ subject: 'CN=Weak Root', ca: true, keys: await crypto.subtle.generateKey(RSA(1024), true, ['sign', 'verify']) as CryptoKeyPair });
    const i = await issue({ subject: 'CN=Below Weak Root', issuer: weakRoot, ca: true });
    await add('RSA 1024-bit trust anchor key', await leaf({}, i), [i], [weakRoot], false, true);
  }
  return cases;
}
