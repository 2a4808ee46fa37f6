/** How many leading bytes the binary heuristic looks at. */
const SNIFF_WINDOW = 512;
/** Share of non-text bytes above which the greeting is called binary. */
const BINARY_SHARE = 0.3;

/** TLS record content types a server may send first: handshake (22) or alert (21), RFC 8446 §5.1. */
const TLS_HANDSHAKE = 0x16;
const TLS_ALERT = 0x15;

const HTML_START = /^\s*<(?:!doctype|html|head|body|\?xml)\b/i;

/**
 * sniffNonSmtp: what a server that spoke first sent, when it is not SMTP. An SMTP server
 * greets with a three-digit reply code (RFC 5321 §4.2, §3.1); a port that answers with a TLS
 * record is an implicit-TLS port (RFC 8314 §3.3), one that answers with HTTP is a web
 * server or proxy, and mostly unprintable bytes mean some other binary protocol. Anything
 * else (including SMTP) gives `undefined`; the reply parser then judges it.
 */
export function sniffNonSmtp(first: Buffer): 'tls' | 'http' | 'binary' | undefined {
  if (first.length === 0) return undefined;
  if (isTlsRecord(first)) return 'tls';
  if (startsWithReplyCode(first)) return undefined;
  const head = first.subarray(0, SNIFF_WINDOW).toString('latin1');
  if (head.startsWith('HTTP/') || HTML_START.test(head)) return 'http';
  if (nonTextShare(first.subarray(0, SNIFF_WINDOW)) > BINARY_SHARE) return 'binary';
  return undefined;
}

/**
 * A TLS record header is type, then legacy_record_version 0x03 0x00-0x04 (SSLv3 to TLS 1.3,
 * RFC 8446 §5.1). With fewer bytes, a matching prefix is enough: 0x15/0x16 never start text.
 */
function isTlsRecord(b: Buffer): boolean {
  const type = b[0];
  if (type !== TLS_HANDSHAKE && type !== TLS_ALERT) return false;
  if (b.length < 2) return true;
  if (b[1] !== 0x03) return false;
  if (b.length < 3) return true;
  return (b[2] ?? 0xff) <= 0x04;
}

function startsWithReplyCode(b: Buffer): boolean {
  return b.length >= 3 && isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]);
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/**
 * Share of characters that are not text: control characters other than TAB, CR and LF, and
 * bytes that are not valid UTF-8 (so a UTF-8 text greeting is not mistaken for binary).
 */
function nonTextShare(b: Buffer): number {
  const chars = Array.from(b.toString('utf8'));
  let other = 0;
  for (const ch of chars) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0xfffd || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) other++;
  }
  return chars.length === 0 ? 0 : other / chars.length;
}
