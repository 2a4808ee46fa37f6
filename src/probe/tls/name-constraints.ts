import * as asn1js from 'asn1js';

/** One subtree of a name constraint (RFC 5280 §4.2.1.10), in the forms this module compares. */
export type Subtree =
  | { kind: 'dns'; name: string }
  | { kind: 'ip'; address: Uint8Array; mask: Uint8Array }
  | { kind: 'email'; name: string }
  | { kind: 'uri'; name: string }
  /** directoryName, otherName and the rest: not compared here; OpenSSL judges them. */
  | { kind: 'other'; tag: number };

export interface NameConstraintSet {
  permitted: Subtree[];
  excluded: Subtree[];
}

/**
 * parseNameConstraints decodes the nameConstraints extension value:
 * `SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL, excludedSubtrees [1] ... }`,
 * each subtree `SEQUENCE { base GeneralName, minimum [0] DEFAULT 0, maximum [1] OPTIONAL }`.
 * asn1js is used rather than a typed schema so that iPAddress subtrees keep their exact
 * address and mask octets. Throws on malformed DER (the caller turns that into a problem).
 */
export function parseNameConstraints(value: ArrayBuffer): NameConstraintSet {
  const decoded = asn1js.fromBER(value);
  if (decoded.offset === -1 || !(decoded.result instanceof asn1js.Sequence)) throw new Error('nameConstraints is not a SEQUENCE');
  const set: NameConstraintSet = { permitted: [], excluded: [] };
  for (const part of decoded.result.valueBlock.value) {
    const tag = part.idBlock.tagNumber;
    if (part.idBlock.tagClass !== 3 || (tag !== 0 && tag !== 1)) throw new Error('unexpected element in nameConstraints');
    const list = tag === 0 ? set.permitted : set.excluded;
    for (const subtree of children(part)) {
      const base = children(subtree)[0];
      if (!base) throw new Error('empty GeneralSubtree');
      list.push(subtreeOf(base));
    }
  }
  return set;
}

function children(block: asn1js.AsnType): asn1js.AsnType[] {
  const v = (block as asn1js.Constructed).valueBlock as { value?: unknown };
  if (!Array.isArray(v.value)) throw new Error('expected a constructed element');
  return v.value as asn1js.AsnType[];
}

function subtreeOf(base: asn1js.AsnType): Subtree {
  const tag = base.idBlock.tagNumber;
  if (base.idBlock.tagClass !== 3) return { kind: 'other', tag: -1 };
  const bytes = (): Uint8Array => (base as asn1js.Primitive).valueBlock.valueHexView;
  const text = (): string => Buffer.from(bytes()).toString('latin1');
  switch (tag) {
    case 1: return { kind: 'email', name: text() };
    case 2: return { kind: 'dns', name: text() };
    case 6: return { kind: 'uri', name: text() };
    case 7: {
      const b = bytes();
      if (b.length !== 8 && b.length !== 32) throw new Error(`iPAddress constraint of ${b.length} octets`);
      return { kind: 'ip', address: b.slice(0, b.length / 2), mask: b.slice(b.length / 2) };
    }
    default: return { kind: 'other', tag };
  }
}

/**
 * dnsWithin: whether DNS name `name` lies within the DNS subtree `constraint` (RFC 5280
 * §4.2.1.10): the constraint itself or any name below it; a constraint with a leading dot
 * (an OpenSSL and Web PKI convention) only the names below. Case-insensitive; an empty
 * constraint contains every name.
 */
export function dnsWithin(name: string, constraint: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const c = constraint.toLowerCase().replace(/\.$/, '');
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/**
 * dnsMayTouch: for an excluded subtree, a wildcard SAN (`*.example.com`) stands for every
 * name one label below, so it violates an excluded subtree any of those names lies in.
 */
export function dnsMayTouch(name: string, constraint: string): boolean {
  if (dnsWithin(name, constraint)) return true;
  if (!name.startsWith('*.')) return false;
  const parent = name.slice(2).toLowerCase();
  const c = constraint.toLowerCase().replace(/^\./, '');
  return c.endsWith(`.${parent}`) && !c.slice(0, -(parent.length + 1)).includes('.');
}

/** ipWithin: whether `ip` (4 or 16 octets) lies in the address/mask subtree of the same family. */
export function ipWithin(ip: Uint8Array, address: Uint8Array, mask: Uint8Array): boolean {
  if (ip.length !== address.length) return false;
  for (let i = 0; i < ip.length; i++) {
    if (((ip[i] as number) & (mask[i] as number)) !== ((address[i] as number) & (mask[i] as number))) return false;
  }
  return true;
}

/** emailWithin: RFC 5280 §4.2.1.10 rfc822Name forms — a mailbox, a host, or a domain with a leading dot. */
export function emailWithin(email: string, constraint: string): boolean {
  const e = email.toLowerCase();
  const c = constraint.toLowerCase();
  if (c.includes('@')) return e === c;
  const host = e.slice(e.lastIndexOf('@') + 1);
  return c.startsWith('.') ? host.endsWith(c) : host === c;
}

/** formatSubtree: one subtree in words, for a problem's detail. */
export function formatSubtree(s: Subtree): string {
  switch (s.kind) {
    case 'dns': return `DNS:${s.name || '(any)'}`;
    case 'email': return `email:${s.name}`;
    case 'uri': return `URI:${s.name}`;
    case 'ip': return `IP:${formatIp(s.address)}/${prefixLength(s.mask)}`;
    default: return `type [${s.tag}]`;
  }
}

export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const groups: string[] = [];
  for (let i = 0; i < b.length; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function prefixLength(mask: Uint8Array): number {
  let bits = 0;
  for (const byte of mask) bits += byte.toString(2).replace(/0/g, '').length;
  return bits;
}
