/**
 * The prometheus-blackbox-exporter module the fleet benchmarks compare against: the exporter has
 * no SMTP prober, so its tcp prober scripts the dialogue — EHLO, STARTTLS, EHLO, AUTH PLAIN (a
 * real authentication, sent as a scripted line after STARTTLS), QUIT — with the certificate
 * verified against the test root for `serverName`. Module name: smtp_starttls_auth.
 */
export function blackboxConfig(o: { caFile: string; serverName: string; user: string; pass: string }): string {
  const b64 = Buffer.from(`\0${o.user}\0${o.pass}`).toString('base64');
  return [
    'modules:',
    '  smtp_starttls_auth:',
    '    prober: tcp',
    '    timeout: 30s',
    '    tcp:',
    '      tls_config:',
    `        ca_file: ${o.caFile}`,
    `        server_name: ${o.serverName}`,
    '      query_response:',
    '        - expect: "^220 "',
    '        - send: "EHLO bench.test\\r"',
    '        - expect: "^250 "',
    '        - send: "STARTTLS\\r"',
    '        - expect: "^220 "',
    '        - starttls: true',
    '        - send: "EHLO bench.test\\r"',
    '        - expect: "^250 "',
    `        - send: "AUTH PLAIN ${b64}\\r"`,
    '        - expect: "^235 "',
    '        - send: "QUIT\\r"',
    '        - expect: "^221 "',
    '',
  ].join('\n');
}
