import type { TlsVersion } from '../../model/target.js';

/**
 * ServerFlightObserver reads the server's side of a TLS handshake as it passes, to learn what
 * Node does not expose on a failed handshake: the version the ServerHello chose, whether a
 * CertificateRequest came (TLS 1.2, where it is in clear), the certificates as sent (TLS 1.2),
 * a plaintext alert, and whether the peer spoke TLS at all.
 *
 * It stops at the first encrypted record (ChangeCipherSpec in TLS 1.2, application_data in
 * TLS 1.3), after which nothing is readable (RFC 5246 §7.1, RFC 8446 §5).
 */
export class ServerFlightObserver {
  /** Version the ServerHello selected (supported_versions extension, else legacy_version). */
  version?: TlsVersion;
  /** A CertificateRequest was seen (visible in TLS 1.2 only; RFC 5246 §7.4.4). */
  certificateRequested = false;
  /** DER certificates of a clear-text Certificate message, leaf first (TLS 1.2). */
  certificates?: Buffer[];
  /** The first alert seen in clear, as [level, description]. */
  alert?: [number, number];
  /** The first bytes, when they were not a TLS record: the peer is not speaking TLS. */
  notTls?: Buffer;

  #records: Buffer = Buffer.alloc(0);
  #handshake: Buffer = Buffer.alloc(0);
  #done = false;

  /** push takes the next bytes the server sent. */
  push(chunk: Buffer): void {
    if (this.#done) return;
    this.#records = this.#records.length === 0 ? chunk : Buffer.concat([this.#records, chunk]);
    while (!this.#done && this.#records.length >= 5) {
      const type = this.#records[0] as number;
      const major = this.#records[1] as number;
      if (type < 20 || type > 24 || major !== 3) {
        this.notTls = this.#records.subarray(0, 64);
        this.#done = true;
        return;
      }
      const len = this.#records.readUInt16BE(3);
      if (this.#records.length < 5 + len) return;
      const body = this.#records.subarray(5, 5 + len);
      this.#records = this.#records.subarray(5 + len);
      this.#record(type, body);
    }
  }

  #record(type: number, body: Buffer): void {
    switch (type) {
      case CONTENT_ALERT:
        if (body.length >= 2) this.alert ??= [body[0] as number, body[1] as number];
        this.#done = true;
        return;
      case CONTENT_HANDSHAKE:
        this.#handshake = Buffer.concat([this.#handshake, body]);
        this.#messages();
        return;
      case CONTENT_CHANGE_CIPHER_SPEC:
        // TLS 1.3 sends a dummy CCS for middlebox compatibility (RFC 8446 §D.4); TLS 1.2's is
        // followed by encrypted records. Either way there is nothing more in clear.
        this.#done = true;
        return;
      default:
        this.#done = true;
    }
  }

  #messages(): void {
    while (this.#handshake.length >= 4) {
      const len = this.#handshake.readUIntBE(1, 3);
      if (this.#handshake.length < 4 + len) return;
      const msgType = this.#handshake[0] as number;
      const body = this.#handshake.subarray(4, 4 + len);
      this.#handshake = this.#handshake.subarray(4 + len);
      if (msgType === HS_SERVER_HELLO) this.version ??= serverHelloVersion(body);
      else if (msgType === HS_CERTIFICATE && this.version !== 'TLSv1.3') this.certificates = certificateList(body);
      else if (msgType === HS_CERTIFICATE_REQUEST) this.certificateRequested = true;
    }
  }
}

const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_CERTIFICATE_REQUEST = 13;
const EXT_SUPPORTED_VERSIONS = 43;

const WIRE_VERSIONS: Record<number, TlsVersion> = { 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

/**
 * serverHelloVersion: RFC 8446 §4.1.3 — a TLS 1.3 ServerHello keeps legacy_version 0x0303 and
 * names the real version in its supported_versions extension.
 */
function serverHelloVersion(b: Buffer): TlsVersion | undefined {
  if (b.length < 38) return undefined;
  let at = 2 + 32;
  const sidLen = b[at] as number;
  at += 1 + sidLen + 2 + 1; // session id, cipher suite, compression method
  let version = WIRE_VERSIONS[b.readUInt16BE(0)];
  if (at + 2 > b.length) return version;
  const extEnd = Math.min(b.length, at + 2 + b.readUInt16BE(at));
  at += 2;
  while (at + 4 <= extEnd) {
    const type = b.readUInt16BE(at);
    const len = b.readUInt16BE(at + 2);
    if (type === EXT_SUPPORTED_VERSIONS && len === 2 && at + 6 <= extEnd) version = WIRE_VERSIONS[b.readUInt16BE(at + 4)] ?? version;
    at += 4 + len;
  }
  return version;
}

/** certificateList: RFC 5246 §7.4.2 — a 24-bit list length, then 24-bit-length-prefixed DER certificates. */
function certificateList(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  if (b.length < 3) return out;
  const end = Math.min(b.length, 3 + b.readUIntBE(0, 3));
  let at = 3;
  while (at + 3 <= end) {
    const len = b.readUIntBE(at, 3);
    if (at + 3 + len > end) break;
    out.push(Buffer.from(b.subarray(at + 3, at + 3 + len)));
    at += 3 + len;
  }
  return out;
}

/** ALERT_NAMES: RFC 8446 §6 AlertDescription, plus the TLS 1.2 ones it retired. */
export const ALERT_NAMES: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 21: 'decryption_failed', 22: 'record_overflow',
  40: 'handshake_failure', 41: 'no_certificate', 42: 'bad_certificate', 43: 'unsupported_certificate',
  44: 'certificate_revoked', 45: 'certificate_expired', 46: 'certificate_unknown', 47: 'illegal_parameter',
  48: 'unknown_ca', 49: 'access_denied', 50: 'decode_error', 51: 'decrypt_error', 70: 'protocol_version',
  71: 'insufficient_security', 80: 'internal_error', 86: 'inappropriate_fallback', 90: 'user_canceled',
  109: 'missing_extension', 110: 'unsupported_extension', 112: 'unrecognized_name',
  113: 'bad_certificate_status_response', 115: 'unknown_psk_identity', 116: 'certificate_required',
  120: 'no_application_protocol',
};
