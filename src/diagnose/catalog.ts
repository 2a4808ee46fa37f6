import type { FindingCode } from '../model/finding-codes.js';
import type { Severity } from '../model/report.js';
import { OAUTH_CATALOG } from './oauth-catalog.js';

/** CatalogEntry: the default words for one finding code. Rules add evidence and specifics. */
export interface CatalogEntry {
  severity: Severity;
  title: string;
  cause: string;
  fix: readonly string[];
}

/**
 * CATALOG: one entry per finding code (the mapped type makes a missing code a compile error).
 * Severity: critical = mail cannot flow; warning = it flows but degraded or risky; info = a note.
 */
export const CATALOG: { readonly [C in FindingCode]: CatalogEntry } = {
  // ── Connectivity ──────────────────────────────────────────────────────────────
  DNS_NXDOMAIN: {
    severity: 'critical',
    title: 'Smart host name does not exist in DNS',
    cause: 'The resolver answered NXDOMAIN: no such name, so no connection can even be attempted.',
    fix: [
      'Check the spelling of the smart host name (connector SmartHosts, relayhost).',
      'If the name is internal, make sure this machine uses the resolver that serves that zone (split DNS).',
    ],
  },
  DNS_TIMEOUT: {
    severity: 'critical',
    title: 'DNS lookup of the smart host timed out',
    cause: 'The resolver did not answer in time, so the host name could not be turned into an address.',
    fix: [
      'Check that the configured DNS servers are reachable (UDP and TCP port 53 through the firewall).',
      'Retry with another resolver (--dns-server) to tell a resolver problem from a zone problem.',
    ],
  },
  DNS_NO_ADDRESS: {
    severity: 'critical',
    title: 'Smart host name has no address record',
    cause: 'The name exists but has no A or AAAA record, so there is nothing to connect to.',
    fix: [
      'Use the provider\'s documented SMTP host name (an MX-only or web-only name has no SMTP address).',
      'Add the missing A/AAAA record if the zone is yours.',
    ],
  },
  ICMP_NO_REPLY: {
    severity: 'info',
    title: 'No reply to ping',
    cause: 'ICMP echo requests got no answer. Many relays and firewalls drop ping on purpose, so this alone says little.',
    fix: ['Judge reachability by the TCP result; if TCP also fails, check routing and firewalls on the path.'],
  },
  ICMP_NOT_PERMITTED: {
    severity: 'info',
    title: 'Ping not run: raw sockets not permitted',
    cause: 'Sending ICMP needs a raw socket, which this process is not allowed to open; the ping check was skipped.',
    fix: ['Run as root or grant the capability (setcap cap_net_raw+ep on the node binary), or pass --no-icmp (icmp: false in probes.yaml).'],
  },
  PATH_LOSS: {
    severity: 'warning',
    title: 'Packet loss on the path to the smart host',
    cause: 'Packets are lost on the way to the relay and the loss carries through to the destination, which slows or breaks SMTP sessions.',
    fix: ['Find the first hop whose loss carries through to the destination and raise it with whoever runs that network.'],
  },
  HOP_RATE_LIMITED: {
    severity: 'info',
    title: 'A router on the path rate-limits ICMP',
    cause: 'An intermediate hop drops some probes but later hops do not: the router limits ICMP replies; this is not real loss.',
    fix: ['Nothing to fix; judge the path by the loss at the final hop.'],
  },
  TCP_REFUSED: {
    severity: 'critical',
    title: 'Connection refused',
    cause: 'The host answered the connection attempt with a reset: nothing listens on that port, or a firewall rejects it.',
    fix: [
      'Check the port: 587 (submission, STARTTLS), 465 (implicit TLS), 25 (relay, STARTTLS); providers also use 2525/2587.',
      'Check that the relay service is running and that no firewall rejects this source address.',
    ],
  },
  TCP_TIMEOUT: {
    severity: 'critical',
    title: 'Connection attempt timed out',
    cause: 'The SYN got no answer: a firewall drops the traffic (often outbound port 25 at ISPs and cloud providers), or the host is down.',
    fix: [
      'Check outbound firewall rules for this port; cloud and ISP networks often block port 25 — try 587.',
      'Check that the relay allows this source address.',
    ],
  },
  TCP_RESET: {
    severity: 'critical',
    title: 'Connection reset',
    cause: 'The connection was reset right after it was opened: a firewall/IPS or the relay itself cut it (often an address block or connection limit).',
    fix: ['Check the relay\'s connection limits and allow-lists, and any IPS between this host and the relay.'],
  },
  HOST_UNREACHABLE: {
    severity: 'critical',
    title: 'Host unreachable',
    cause: 'There is no route to the host (ICMP unreachable or no local route) — or, with --source-address, that address is not one of this host\'s, so nothing can leave from it.',
    fix: [
      'Check routing, VPN/tunnel state and the default gateway; check that the address is the right one.',
      'With --source-address (probes.yaml sourceAddress): use an address this host has (`ip -br addr`), of the relay\'s address family.',
    ],
  },
  // ── SMTP ──────────────────────────────────────────────────────────────────────
  BANNER_TIMEOUT: {
    severity: 'critical',
    title: 'No SMTP greeting',
    cause: 'The TCP connection opened but no 220 greeting came in time (RFC 5321 §3.1): an implicit-TLS port waiting for a TLS handshake, a tarpit, an overloaded server, or a firewall SMTP proxy.',
    fix: [
      'If this is port 465, it speaks implicit TLS: probe with --tls implicit, or use 587 with STARTTLS.',
      'Otherwise check the relay\'s load and any SMTP proxy/inspection on the path.',
    ],
  },
  BANNER_REJECTED: {
    severity: 'critical',
    title: 'Server refused the session in its greeting',
    cause: 'The server greeted with a 4xx/5xx code instead of 220 (RFC 5321 §3.1): it will not talk to this client (address block, connection limit, or maintenance).',
    fix: ['Read the greeting text; ask the relay\'s operator to allow this source address or raise its limits.'],
  },
  NOT_SMTP: {
    severity: 'critical',
    title: 'The service on this port is not SMTP',
    cause: 'The server answered with something other than an SMTP greeting (HTTP, binary data, or plaintext where TLS was expected).',
    fix: ['Check host and port. 587 and 25 speak STARTTLS, 465 speaks implicit TLS (--tls implicit).'],
  },
  TLS_ON_CONNECT_EXPECTED: {
    severity: 'critical',
    title: 'The port expects TLS at once (implicit TLS)',
    cause: 'A TLS server answered a plaintext/STARTTLS probe: this port speaks implicit TLS (RFC 8314), usually 465.',
    fix: ['Probe with --tls implicit, or use the STARTTLS port (587) instead.'],
  },
  EHLO_REJECTED: {
    severity: 'critical',
    title: 'EHLO rejected',
    cause: 'The server refused EHLO (RFC 5321 §4.1.1.1). Without EHLO there are no extensions, so no STARTTLS and no AUTH.',
    fix: ['Send a fully qualified, resolvable host name in EHLO (--ehlo, Exchange connector Fqdn).'],
  },
  STARTTLS_NOT_OFFERED: {
    severity: 'critical',
    title: 'STARTTLS not offered',
    cause: 'The EHLO reply does not list STARTTLS (RFC 3207), so the session cannot be encrypted and credentials would go in clear.',
    fix: [
      'Check that this port is the relay\'s TLS-enabled port (587, or 25 with STARTTLS).',
      'Check for a firewall SMTP inspection (e.g. Cisco ESMTP inspection) that strips STARTTLS from EHLO.',
      'Enable STARTTLS on the relay: give it a certificate and key for its host name and let it offer TLS on this port.',
    ],
  },
  STARTTLS_REJECTED: {
    severity: 'critical',
    title: 'STARTTLS refused',
    cause: 'The server listed STARTTLS but answered the command with an error (RFC 3207 §4: 454 = TLS temporarily unavailable, 501 = syntax).',
    fix: ['Check the relay\'s TLS certificate and key configuration and its logs (a 454 usually means it cannot load them).'],
  },
  IMPLICIT_TLS_UNSUPPORTED_BY_EXCHANGE: {
    severity: 'critical',
    title: 'Exchange cannot use implicit TLS (port 465)',
    cause: 'Exchange\'s Send connector only does STARTTLS; it has no implicit-TLS client. Against port 465 it waits for a 220 greeting that never comes and fails with a timeout.',
    fix: ['Use the relay\'s STARTTLS port: 587 (or 25/2525/2587 where the provider offers them).'],
  },
  CONNECTION_DROPPED: {
    severity: 'critical',
    title: 'Server closed the connection',
    cause: 'The server closed the connection in the middle of the dialogue, without a reply explaining why.',
    fix: ['Check the relay\'s logs for this session; look for a firewall or IPS that cuts SMTP sessions.'],
  },
  PROTOCOL_VIOLATION: {
    severity: 'critical',
    title: 'Server broke the SMTP protocol',
    cause: 'The server sent something that is not a valid SMTP reply (RFC 5321 §4.2): garbage, an oversize line, or a reply that never ends.',
    fix: ['Check for a middlebox rewriting SMTP; compare with a probe from another network.'],
  },
  PHASE_TIMEOUT: {
    severity: 'critical',
    title: 'Server stopped answering',
    cause: 'The server did not complete its reply within the phase deadline.',
    fix: ['Check the relay\'s load and logs; raise --timeout only if the relay is known to be slow.'],
  },
  // ── TLS ───────────────────────────────────────────────────────────────────────
  TLS_HANDSHAKE_FAILED: {
    severity: 'critical',
    title: 'TLS handshake failed',
    cause: 'The TLS handshake did not complete: no common protocol version or cipher, a TLS alert, or the server dropped the connection.',
    fix: [
      'Compare the TLS versions and ciphers both sides allow (run with --tls-scan).',
      'On Windows senders, enable the TLS 1.2 client in SCHANNEL and .NET strong crypto, then reboot.',
    ],
  },
  TLS_VERSION_MISMATCH: {
    severity: 'critical',
    title: 'No TLS version in common',
    cause: 'None of the TLS versions this client allows is accepted by the server.',
    fix: ['Enable TLS 1.2 (or later) on the sending side; old Exchange on old Windows speaks only TLS 1.0.'],
  },
  TLS_LEGACY_PROTOCOL: {
    severity: 'warning',
    title: 'Server accepts TLS 1.0/1.1',
    cause: 'The server still accepts TLS 1.0 or 1.1, deprecated by RFC 8996.',
    fix: ['Disable TLS 1.0 and 1.1 on the relay: allow TLS 1.2 and later only.'],
  },
  CERT_EXPIRED: {
    severity: 'critical',
    title: 'Certificate expired',
    cause: 'The server\'s certificate is past its notAfter date; validating clients refuse it.',
    fix: ['Renew the relay\'s certificate and reload the service.'],
  },
  CERT_NOT_YET_VALID: {
    severity: 'critical',
    title: 'Certificate not yet valid',
    cause: 'The certificate\'s notBefore date is in the future: a freshly issued certificate, or a wrong clock on one side.',
    fix: ['Check the clocks of both machines (NTP); otherwise wait or reissue the certificate.'],
  },
  CERT_EXPIRES_SOON: {
    severity: 'warning',
    title: 'Certificate expires soon',
    cause: 'The server\'s certificate expires within the warning window.',
    fix: ['Renew the relay\'s certificate before it expires.'],
  },
  CERT_HOSTNAME_MISMATCH: {
    severity: 'critical',
    title: 'Certificate does not match the host name',
    cause: 'None of the certificate\'s names (SAN, or CN when no SAN) matches the name checked (RFC 6125).',
    fix: [
      'Connect to a name the certificate covers, or have the relay present a certificate for this name.',
      'If a different name is expected, pass it with --tls-domain (Exchange: TlsDomain).',
    ],
  },
  CERT_SELF_SIGNED: {
    severity: 'critical',
    title: 'Certificate is self-signed',
    cause: 'The server presents a self-signed certificate that no trust store knows.',
    fix: ['Install a certificate from a public or internal CA on the relay, or trust this one explicitly (--ca FILE).'],
  },
  CERT_UNTRUSTED_ROOT: {
    severity: 'critical',
    title: 'Certificate chain ends at an untrusted root',
    cause: 'The chain builds, but its root CA is not in the trust store.',
    fix: ['Add the internal root CA to this machine\'s trust store (--ca FILE for the probe).'],
  },
  CERT_CHAIN_INCOMPLETE: {
    severity: 'critical',
    title: 'Certificate chain incomplete',
    cause: 'The server sends its certificate without the intermediate CA(s), so clients cannot build a path to a trusted root.',
    fix: ['Configure the relay to send the full chain: its certificate file must hold the leaf, then the intermediates.'],
  },
  CERT_WEAK_KEY: {
    severity: 'warning',
    title: 'Weak certificate key',
    cause: 'The certificate\'s key is too small (e.g. RSA below 2048 bits); modern clients may refuse it.',
    fix: ['Reissue the certificate with an RSA 2048+ or ECDSA P-256+ key.'],
  },
  CERT_WEAK_SIGNATURE: {
    severity: 'warning',
    title: 'Weak certificate signature',
    cause: 'A certificate in the chain is signed with a broken hash (SHA-1 or MD5); modern clients refuse it.',
    fix: ['Reissue the certificate with a SHA-256 (or better) signature.'],
  },
  CLIENT_CERT_REQUIRED: {
    severity: 'critical',
    title: 'Server requires a client certificate',
    cause: 'The server ended the handshake because no client certificate was sent.',
    fix: ['Send the certificate the relay expects (--client-cert/--client-key), or ask for certificate-less access.'],
  },
  CLIENT_CERT_REJECTED: {
    severity: 'critical',
    title: 'Client certificate rejected',
    cause: 'The server refused the client certificate that was sent (untrusted issuer, expired, or wrong name).',
    fix: ['Check that the client certificate is issued by a CA the relay trusts, is valid, and carries the expected name.'],
  },
  CLIENT_CERT_EXPIRED: {
    severity: 'critical',
    title: 'Client certificate expired or not yet valid',
    cause: 'The certificate smtprobe presents as client (--client-cert) is outside its validity period; a relay that authenticates clients by certificate refuses it.',
    fix: ['Renew the client certificate and install it where the relay expects it (on Exchange: the certificate named by the Send connector\'s TlsCertificateName, enabled for SMTP).'],
  },
  CLIENT_CERT_EXPIRES_SOON: {
    severity: 'warning',
    title: 'Client certificate expires soon',
    cause: 'The client certificate smtprobe presents will expire within the warning threshold.',
    fix: ['Renew the client certificate before it expires, and make sure the renewed one still carries the clientAuth extended key usage.'],
  },
  CLIENT_CERT_NO_CLIENT_AUTH: {
    severity: 'critical',
    title: 'Client certificate is not for TLS client authentication',
    cause: 'The client certificate lacks the clientAuth extended key usage, so relays that authenticate clients by certificate reject it. Public CAs stopped including clientAuth in TLS server certificates in 2026: a certificate renewed from such a CA silently stops working as a client certificate.',
    fix: [
      'Get a certificate that includes the clientAuth extended key usage (a private CA, or a CA product for client certificates) and present that one.',
      'Or have the relay authorise the sender another way (source IP, SMTP AUTH) instead of by client certificate.',
    ],
  },
  CLIENT_CERT_UNUSABLE: {
    severity: 'critical',
    title: 'Client certificate cannot be used',
    cause: 'The client certificate is malformed or has a key too weak for current TLS stacks.',
    fix: ['Issue a new client certificate with an RSA key of at least 2048 bits or an ECDSA P-256/P-384 key.'],
  },
  CERT_VERIFY_FAILED: {
    severity: 'critical',
    title: 'Certificate failed verification',
    cause: 'The server\'s certificate failed the configured check for a reason with no finer code.',
    fix: ['The evidence names the certificate and the reason (not a CA, not for TLS servers, none sent); fix the relay\'s certificate or chain, or the trust store.'],
  },
  // ── AUTH ──────────────────────────────────────────────────────────────────────
  AUTH_NOT_OFFERED: {
    severity: 'critical',
    title: 'AUTH not offered',
    cause: 'The server does not advertise AUTH (RFC 4954 §3), so no credentials can be sent on this port.',
    fix: [
      'Use the relay\'s submission port (587), where AUTH is usually enabled.',
      'Enable SMTP AUTH on the relay for this port, or relay by IP allow-list without AUTH.',
    ],
  },
  AUTH_ONLY_AFTER_STARTTLS: {
    severity: 'critical',
    title: 'AUTH is only offered after STARTTLS',
    cause: 'The server lists AUTH only on the encrypted connection (a common and sound policy), and this session never reached TLS.',
    fix: ['Use STARTTLS before AUTH (don\'t ignore STARTTLS), and fix whatever stops TLS.'],
  },
  AUTH_NO_COMMON_MECHANISM: {
    severity: 'critical',
    title: 'No AUTH mechanism in common',
    cause: 'The server offers AUTH, but none of its mechanisms is one the client can use.',
    fix: ['Enable a mechanism the client supports on the relay (LOGIN and PLAIN over TLS are the common ground).'],
  },
  AUTH_CREDENTIALS_REJECTED: {
    severity: 'critical',
    title: 'Credentials rejected',
    cause: 'The server rejected the user name or password (RFC 4954 §6: 535 5.7.8).',
    fix: [
      'Check the user name in the form the provider expects (full address/UPN, API key ID, literal "apikey").',
      'Re-enter the password; check that the account is not locked or expired.',
    ],
  },
  AUTH_TEMPFAIL: {
    severity: 'critical',
    title: 'Temporary authentication failure',
    cause: 'The server could not check the credentials right now (RFC 4954 §6: 454 4.7.0), e.g. its authentication backend is down or it throttles logins.',
    fix: ['Retry later; if it persists, check the relay\'s authentication backend and its login rate limits (its logs name the reason).'],
  },
  AUTH_ENCRYPTION_REQUIRED: {
    severity: 'critical',
    title: 'Encryption required for this mechanism',
    cause: 'The server refuses this mechanism on an unencrypted connection (RFC 4954 §6: 538 5.7.11).',
    fix: ['Authenticate only after STARTTLS (or on implicit TLS).'],
  },
  AUTH_MECHANISM_TOO_WEAK: {
    severity: 'critical',
    title: 'Mechanism too weak for this server',
    cause: 'The server refuses the mechanism used as too weak under its policy (RFC 4954 §6: 534 5.7.9).',
    fix: ['Use a stronger mechanism the server offers, or authenticate over TLS.'],
  },
  AUTH_MUST_STARTTLS: {
    severity: 'critical',
    title: 'Server requires STARTTLS first',
    cause: 'The server answered 530 "Must issue a STARTTLS command first" (RFC 3207 §4): it accepts AUTH/mail only on an encrypted session.',
    fix: ['Issue STARTTLS before AUTH and MAIL (do not disable or ignore STARTTLS).'],
  },
  AUTH_DISABLED_BY_PROVIDER: {
    severity: 'critical',
    title: 'SMTP AUTH disabled by the provider',
    cause: 'The provider turned off password (basic) SMTP AUTH for this tenant or account; the credentials may well be right.',
    fix: ['Enable SMTP AUTH for the account in the provider\'s admin settings, or relay another way (connector by IP/certificate, OAuth).'],
  },
  AUTH_APP_PASSWORD_REQUIRED: {
    severity: 'critical',
    title: 'App password required',
    cause: 'The account uses two-step verification (or password sign-in is blocked), so the normal password is refused for SMTP.',
    fix: ['Create an app password for the account and use it instead of the normal password.'],
  },
  AUTH_PLAINTEXT_REFUSED: {
    severity: 'critical',
    title: 'AUTH not attempted: the connection is not encrypted',
    cause: 'smtprobe refused to send credentials over an unencrypted connection (no TLS), so the credentials were not tested.',
    fix: [
      'Use STARTTLS (--tls starttls) or implicit TLS (--tls implicit) on a port that offers it.',
      'Only on a trusted test network: --allow-plaintext-auth.',
    ],
  },
  AUTH_PROTOCOL_ERROR: {
    severity: 'critical',
    title: 'AUTH dialogue failed',
    cause: 'The AUTH exchange ended with an unexpected reply (RFC 4954: 501 bad syntax or cancelled, 504 unknown mechanism, or a reply outside the protocol).',
    fix: ['Check the relay\'s SASL configuration and logs; retry forcing another mechanism (--auth LOGIN or --auth PLAIN).'],
  },
  // ── Relay ─────────────────────────────────────────────────────────────────────
  RELAY_DENIED: {
    severity: 'critical',
    title: 'Relay denied',
    cause: 'The server will not accept mail from this client for that recipient: it requires authentication, or this account/address is not allowed to relay.',
    fix: [
      'Authenticate (--user) or have the relay allow this server\'s address.',
      'If already authenticated, grant the account relay rights for this sender and recipient domain.',
    ],
  },
  SENDER_REJECTED: {
    severity: 'critical',
    title: 'Sender address rejected',
    cause: 'The server refused the MAIL FROM address: it is not verified, not owned by the authenticated user, or blocked.',
    fix: ['Send from an address the authenticated account may use (verified identity, Send As permission).'],
  },
  // ── Additions ─────────────────────────────────────────────────────────────────
  AUTH_PLAINTEXT_ADVERTISED: {
    severity: 'warning',
    title: 'AUTH advertised before TLS',
    cause: 'The server offers AUTH on the unencrypted connection, so a client that skips STARTTLS can send its password in clear.',
    fix: ['Offer AUTH only after STARTTLS on the relay; make clients require TLS.'],
  },
  AUTH_MECHANISM_NOT_ATTEMPTED: {
    severity: 'info',
    title: 'Integrated mechanisms detected but not attempted',
    cause: 'The server offers only NTLM/GSSAPI (Windows integrated authentication); smtprobe reports them but does not run them.',
    fix: ['Enable LOGIN or PLAIN over TLS on the relay to use password authentication.'],
  },
  DNS_SERVER_REFUSED: {
    severity: 'critical',
    title: 'The DNS server refused to answer',
    cause: 'The resolver asked got no answer because it refused: either nothing serves DNS at that address (the query was answered with "port unreachable"), or the server answered REFUSED (it does not recurse for this client). This is not a slow network: retrying will not help.',
    fix: [
      'Check the DNS server address (--dns-server, or the system resolver configuration): it must be a resolver that answers this client.',
      'On the DNS server: allow recursion for this client\'s network (BIND allow-recursion, Unbound access-control, Windows DNS recursion settings).',
    ],
  },
  RELAY_NEXT_HOP_UNREACHABLE: {
    severity: 'critical',
    title: 'The relay cannot reach the server it relays through',
    cause: 'The probed server accepted the connection (and the login) but could not open its own connection to the next server it hands mail to, so it refused the transaction. Nothing about this client, its account or its relay rights is wrong: no mail leaves until the relay\'s next hop answers again.',
    fix: [
      'Check the relay\'s next-hop setting (the host and port it forwards to) and that this server is up and accepts connections from the relay; the relay\'s log names the address it tried.',
    ],
  },
  GREYLISTED: {
    severity: 'warning',
    title: 'Greylisted: the relay defers this sender/recipient for now',
    cause: 'The relay greylists: it answers a sender, recipient and client it has not seen recently with a temporary 4xx and accepts the same message when it is retried after a few minutes. A real sender queues and retries, so mail is delayed, not lost; nothing about the account or its relay rights is wrong.',
    fix: [
      'Nothing, if a first-time delay of some minutes is acceptable: the retry is accepted.',
      'To avoid the delay, authenticate (greylisting usually exempts authenticated clients) or have the relay\'s admin exempt this client address from greylisting.',
    ],
  },
  PROBE_INTERNAL_ERROR: {
    severity: 'critical',
    title: 'smtprobe internal error',
    cause: 'smtprobe itself failed (a bug); the result says nothing about the server.',
    fix: ['Rerun with --transcript and report the error with the JSON output (--json).'],
  },
  ...OAUTH_CATALOG,
  PROBE_SLOW: {
    severity: 'warning',
    title: 'Probe slower than its threshold',
    cause: 'The whole probe (DNS to QUIT) took longer than the --warn-ms / --crit-ms threshold: mail submitted through this relay waits as long.',
    fix: [
      'Look at the step times (--format nagios perfdata, or --json) for the slow step: DNS, the TCP connect, a delayed banner or EHLO (tarpitting, reverse-DNS lookups on the relay), the TLS handshake or AUTH (a slow directory behind the relay).',
      'If the relay is simply that slow, raise the threshold.',
    ],
  },
  ICMP_DEGRADED: {
    severity: 'warning',
    title: 'Ping to the relay slower or lossier than its threshold',
    cause: 'The ICMP echoes to the relay came back slower (average round-trip time) or fewer than --ping-warn / --ping-crit allow: the network path to the relay is congested or lossy, and SMTP sessions over it are slow or break.',
    fix: [
      'Run the path analysis (smtprobe path HOST, or check --path) to see on which hop the loss or delay starts.',
      'If the relay rate-limits ICMP rather than the path losing packets, raise the loss threshold or drop --ping-warn/--ping-crit for this target.',
    ],
  },
  ADDRESS_INCONSISTENT: {
    severity: 'warning',
    title: 'One address of the relay differs from the others',
    cause: 'The relay name resolves to several addresses (nodes behind DNS round robin or a provider\'s pool), and one of them behaves unlike the rest: it fails where the others pass, or presents another certificate, TLS version or capabilities. Clients pick an address at random, so this is the classic intermittent failure: some messages wait or bounce, most go through.',
    fix: [
      'Take the odd address out of DNS (or out of the load balancer) until it is fixed, then fix that node: install the same certificate, TLS settings and connector configuration as the others.',
      'Probe that address alone to see the whole dialogue: smtprobe check ADDRESS --tls-domain NAME --transcript.',
    ],
  },
  PROBE_INTERRUPTED: {
    severity: 'warning',
    title: 'Probe interrupted',
    cause: 'smtprobe was stopped (Ctrl-C, SIGTERM) while this step was running; the steps before it are real results, the rest did not run.',
    fix: ['Run the probe again and let it finish.'],
  },
  AUTH_SUSPENDED: {
    severity: 'critical',
    title: 'AUTH suspended after repeated credential rejections',
    cause: 'The relay rejected these credentials several times in a row, so smtprobe stopped sending AUTH for this target and user: a scheduled probe retrying a wrong password is a password-guessing loop that gets the account locked or the sender\'s address banned.',
    fix: [
      'Fix the password (or app password / API key) in the credential source; AUTH resumes on the next round after the source changes.',
      'Or wait for authRetryAfter (default 1h) to pass: one AUTH is then tried again.',
    ],
  },
};
