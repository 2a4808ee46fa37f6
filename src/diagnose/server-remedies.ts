import type { FindingCode } from '../model/finding-codes.js';
import type { ServerSoftware } from './server-identity.js';

/**
 * The fix for a finding in the identified server's own settings. Only server-side problems
 * have entries; a finding whose fix is on the client keeps the catalog's words. When the
 * server is unknown no entry applies and the catalog's generic wording stands alone.
 */
type Remedies = Partial<Record<ServerSoftware, readonly string[]>>;

const STARTTLS_ON: Remedies = {
  postfix: ['smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem and smtpd_tls_security_level = may (for a submission service in master.cf: -o smtpd_tls_security_level=encrypt).'],
  exim: ['set tls_certificate and tls_privatekey, and tls_advertise_hosts = * (Debian: MAIN_TLS_ENABLE = yes in the split configuration).'],
  opensmtpd: ['pki mail.example.net cert "/etc/ssl/fullchain.pem" and key "/etc/ssl/private/key.pem", then listen on <interface> port 587 tls pki mail.example.net auth.'],
  sendmail: ['define(`confSERVER_CERT\', `/etc/mail/tls/cert.pem\') and define(`confSERVER_KEY\', `/etc/mail/tls/key.pem\') in sendmail.mc, rebuild sendmail.cf, restart.'],
  dovecot: ['ssl = yes with ssl_cert = </etc/dovecot/fullchain.pem and ssl_key = </etc/dovecot/key.pem (the "<" reads the file).'],
  haraka: ['list tls in config/plugins with a key and certificate it can read (config/tls_key.pem and config/tls_cert.pem, or key= and cert= in config/tls.ini; it logs "no valid TLS config" otherwise); it also withholds STARTTLS on the ports in tls.ini no_starttls_ports and from the clients in its [no_tls_hosts] section.'],
  exchange: ['Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP for a certificate covering the receive connector\'s FQDN.'],
};

/** Where the server's certificate comes from, for every finding about the certificate itself. */
const SERVER_CERT: Remedies = {
  haraka: ['the tls plugin serves config/tls_cert.pem (leaf, then intermediates) with config/tls_key.pem (or tls.ini cert= and key=), and per name the bundles in config/tls/ (key, certificate and intermediates in one .pem, picked by the name the client asks for): put a certificate there from a CA the clients trust, valid now and for the name they connect to, and restart Haraka.'],
};

const REMEDIES: Partial<Record<FindingCode, Remedies>> = {
  STARTTLS_NOT_OFFERED: STARTTLS_ON,
  AUTH_PLAINTEXT_REFUSED: STARTTLS_ON,
  STARTTLS_REJECTED: {
    postfix: ['make the files in smtpd_tls_chain_files (or smtpd_tls_cert_file/smtpd_tls_key_file) readable and a matching pair; see the mail log for "cannot load".'],
    exim: ['make tls_certificate/tls_privatekey readable by the Exim user and a matching pair; see the main log for the TLS error.'],
    opensmtpd: ['check the pki cert/key pair (smtpd -n checks the configuration).'],
    dovecot: ['check ssl_cert/ssl_key (doveconf -n; the log names the file it could not read).'],
  },
  TLS_HANDSHAKE_FAILED: {
    opensmtpd: [
      'check the pki cert/key pair and permissions (smtpd -n validates the configuration; an internal_error alert usually means smtpd could not use its key).',
      'if smtpd logs "io-error: ... EVP lib" (or "missing private key") for every TLS session, the build cannot sign with its key under OpenSSL 3 — OpenSMTPD 6.8 and older, e.g. Debian 12\'s 6.8.0p2, fail so with any key: upgrade to OpenSMTPD 7.3 or newer; no smtpd.conf setting works around it.',
    ],
    postfix: ['the mail log names the TLS library error for this connection (smtpd_tls_loglevel = 1).'],
    exim: ['the main log names the TLS library error for this connection.'],
    dovecot: ['doveadm log errors names the TLS library error (ssl_cert/ssl_key).'],
    haraka: ['Haraka logs the TLS error of this connection ("client connection error: ..."); check the key and certificate in config/tls_key.pem / tls_cert.pem (or tls.ini key=, cert=) and tls.ini minVersion and ciphers.'],
  },
  TLS_LEGACY_PROTOCOL: {
    postfix: ['smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2.'],
    exim: ['OpenSSL builds: openssl_options = +no_tlsv1 +no_tlsv1_1; GnuTLS builds (Debian): tls_require_ciphers = NORMAL:-VERS-TLS1.0:-VERS-TLS1.1.'],
    opensmtpd: ['listen on <interface> ... tls pki <name> protocols "tlsv1.2,tlsv1.3".'],
    sendmail: ['O ServerSSLOptions=+SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1 in sendmail.cf (LOCAL_CONFIG in sendmail.mc).'],
    dovecot: ['ssl_min_protocol = TLSv1.2.'],
    haraka: ['minVersion=TLSv1.2 in config/tls.ini.'],
    exchange: ['disable TLS 1.0/1.1 server-side in SCHANNEL (HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server Enabled=0), reboot.'],
  },
  CERT_CHAIN_INCOMPLETE: {
    postfix: ['smtpd_tls_chain_files = key.pem, fullchain.pem (leaf first, then the intermediates).'],
    exim: ['tls_certificate must name a file holding the leaf and then the intermediates (e.g. fullchain.pem).'],
    opensmtpd: ['the pki cert file must be the full chain (fullchain.pem).'],
    dovecot: ['ssl_cert = </etc/dovecot/fullchain.pem (leaf, then intermediates).'],
    haraka: ['config/tls.ini cert= must point at the full chain.'],
    sendmail: ['put the intermediates after the leaf in the confSERVER_CERT file.'],
  },
  CERT_EXPIRED: {
    ...SERVER_CERT,
    opensmtpd: ['renew the file the pki <name> cert line names and restart smtpd, which reads certificates only at start; with several pki, smtpd serves the one named like the host name the client asked for (SNI).'],
  },
  CERT_NOT_YET_VALID: SERVER_CERT,
  CERT_EXPIRES_SOON: SERVER_CERT,
  CERT_HOSTNAME_MISMATCH: SERVER_CERT,
  CERT_SELF_SIGNED: SERVER_CERT,
  CERT_UNTRUSTED_ROOT: SERVER_CERT,
  CERT_WEAK_KEY: SERVER_CERT,
  CERT_WEAK_SIGNATURE: SERVER_CERT,
  AUTH_NOT_OFFERED: {
    postfix: ['smtpd_sasl_auth_enable = yes (with smtpd_sasl_type = dovecot or cyrus) for this service in master.cf.'],
    exim: ['define an authenticator (driver = plaintext or dovecot) in the authenticators section and check auth_advertise_hosts.'],
    opensmtpd: ['AUTH is offered only after STARTTLS (or on smtps), never in clear: probe with TLS. If it is missing there too, add it to the listener: listen on <interface> port 587 tls pki <name> auth <table>.'],
    sendmail: ['define(`confAUTH_MECHANISMS\', `PLAIN LOGIN\') and TRUST_AUTH_MECH(`PLAIN LOGIN\') in sendmail.mc, with saslauthd running.'],
    haraka: ['list an auth plugin in config/plugins (auth/flat_file with its users in config/auth_flat_file.ini, auth/auth_proxy, auth/auth_vpopmaild); they offer AUTH only after STARTTLS, so the tls plugin must be listed and working too (auth/flat_file also offers it in clear, to local and RFC 1918 clients only).'],
    dovecot: ['the submission service always offers AUTH once the client may use it: with ssl = required or disable_plaintext_auth = yes it appears only after STARTTLS.'],
  },
  AUTH_MUST_STARTTLS: {
    opensmtpd: ['tls-require and auth <table> on the listen on line are sound (STARTTLS first, then AUTH, then MAIL): keep them and have the client use STARTTLS, then AUTH.'],
  },
  AUTH_PLAINTEXT_ADVERTISED: {
    haraka: ['auth/flat_file offers AUTH without TLS to clients on local and private (RFC 1918) addresses by design, and only after STARTTLS to every other client; it has no setting against it: such clients must insist on STARTTLS themselves, or use an auth plugin that always waits for TLS (auth/auth_proxy, auth/auth_vpopmaild).'],
    postfix: ['smtpd_tls_auth_only = yes.'],
    exim: ['auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}} (or server_advertise_condition = ${if def:tls_in_cipher} on each authenticator).'],
    opensmtpd: ['use listen on ... tls (not tls-optional without auth-optional) so AUTH needs STARTTLS first.'],
    sendmail: ['define(`confAUTH_OPTIONS\', `p,y\') so AUTH PLAIN/LOGIN need TLS.'],
    dovecot: ['disable_plaintext_auth = yes (2.3; auth_allow_cleartext = no in 2.4) or ssl = required.'],
    exchange: ['Set-ReceiveConnector <connector> -AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS.'],
  },
  AUTH_NO_COMMON_MECHANISM: {
    postfix: ['with Cyrus SASL: mech_list: PLAIN LOGIN in smtpd.conf; with Dovecot SASL: auth_mechanisms = plain login in Dovecot.'],
    exim: ['add a LOGIN authenticator (driver = plaintext, public_name = LOGIN) next to the PLAIN one.'],
    dovecot: ['auth_mechanisms = plain login.'],
    sendmail: ['define(`confAUTH_MECHANISMS\', `PLAIN LOGIN\').'],
    haraka: ['auth/flat_file offers the mechanisms listed in methods= of the [core] section of config/auth_flat_file.ini (as shipped: CRAM-MD5 only): methods=PLAIN,LOGIN; auth/auth_proxy and auth/auth_vpopmaild offer PLAIN LOGIN.'],
  },
  CLIENT_CERT_REQUIRED: {
    haraka: ['tls.ini requireAuthorized[]=<port> (or rejectUnauthorized=true) makes the handshake demand a client certificate chained to tls.ini ca=: present one, or take this port out of requireAuthorized.'],
    postfix: ['smtpd_tls_req_ccert = yes demands a client certificate chained to smtpd_tls_CAfile: present one, or set it to no (keep smtpd_tls_ask_ccert) for this listener.'],
    exim: ['the ACL\'s verify = certificate (with tls_verify_hosts / tls_try_verify_hosts and tls_verify_certificates) demands a client certificate: present one, or exempt this client.'],
    opensmtpd: ['listen on ... tls-require verify (with ca <name>) closes the session when no client certificate chained to that ca came: present one, or drop verify for this listener.'],
    dovecot: ['auth_ssl_require_client_cert = yes (with ssl_verify_client_cert = yes) refuses AUTH without a client certificate chained to ssl_ca: present one, or turn it off.'],
  },
  AUTH_CREDENTIALS_REJECTED: {
    haraka: ['auth/flat_file accepts only a user=password line of the [users] section of config/auth_flat_file.ini, the user exactly as sent (user@example.com is not user); other auth plugins ask their backend. Haraka\'s log names the plugin that refused ("[auth/flat_file] delaying for ...").'],
    dovecot: ['doveadm auth test <user> checks the passdb; auth_verbose = yes logs why a login failed; check auth_username_format (user or user@domain).'],
    opensmtpd: ['the listener\'s credentials table (auth <table>) has no matching user and password (hashed with smtpctl encrypt).'],
  },
  AUTH_TEMPFAIL: {
    haraka: ['check the backend of the auth plugin listed in config/plugins (auth/auth_proxy\'s servers, vpopmaild for auth/auth_vpopmaild): Haraka\'s log says why.'],
    postfix: ['check the SASL backend smtpd_sasl_type names (Dovecot auth socket, saslauthd): the text after the colon of the 454 and the mail log say why.'],
    exim: ['check the authenticator\'s server_condition and what it calls (saslauthd, the dovecot auth socket): the main log says why.'],
    dovecot: ['check the auth process and its passdb (doveadm log errors; auth_verbose = yes).'],
    opensmtpd: ['check the table the listener authenticates against (auth <table>) and smtpd\'s log.'],
  },
  RELAY_DENIED: {
    postfix: ['smtpd_relay_restrictions = permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination (authenticate, or add this client to mynetworks).'],
    exim: ['accept authenticated = * (or hosts = +relay_from_hosts) before the "relay not permitted" deny in acl_check_rcpt.'],
    opensmtpd: ['match auth from any for any action "relay" (or match from src <table> for any action "relay") before any match ... reject.'],
    sendmail: ['access db: Connect:<client IP> RELAY, or authenticate (TRUST_AUTH_MECH).'],
    haraka: ['"I cannot deliver mail for" means no rcpt plugin accepted the recipient: authenticate (an auth plugin lets the session relay), or let this client relay by address with the relay plugin (config/plugins: relay; relay.ini [relay] acl=true; its network in config/relay_acl_allow). Local domains belong in config/host_list (rcpt_to.in_host_list). On ports 587 and 465 Haraka refuses MAIL itself without AUTH ("550 Authentication required").'],
    dovecot: ['the submission service relays only for authenticated users (to submission_relay_host): authenticate.'],
    exchange: ['a receive connector for this client\'s IP with ms-Exch-SMTP-Accept-Any-Recipient, or authenticate.'],
  },
};

/** remediesFor: the identified server's own fix lines for a finding, if it has any. */
export function remediesFor(code: FindingCode, software: ServerSoftware): readonly string[] {
  return REMEDIES[code]?.[software] ?? [];
}
