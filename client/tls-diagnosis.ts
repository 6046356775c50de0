import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { ConnectionSettings } from '../connection/settings';

/**
 * Why a TLS connection to the frontend fails, asked of TLS itself: gRPC clients only report a
 * closed connection or a missed deadline, while the handshake (and, in TLS 1.3, the alert the
 * server sends right after it) names the reason. Undefined when TLS is fine or off, or when the
 * address cannot be reached at all.
 */
export async function diagnoseTls(settings: ConnectionSettings, timeoutMs = 3_000): Promise<string | undefined> {
  if (!settings.tls) return undefined;
  const tls = typeof settings.tls === 'object' ? settings.tls : {};
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(settings.address);
  if (!match) return undefined;
  const [, host, port] = match;
  const servername = tls.serverNameOverride ?? (isIP(host!) ? undefined : host);
  return new Promise((resolve) => {
    let settled = false;
    const done = (reason: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const socket = connect({
      host,
      port: Number(port),
      servername,
      ca: tls.serverRootCACertificate ? Buffer.from(tls.serverRootCACertificate) : undefined,
      cert: tls.clientCertPair ? Buffer.from(tls.clientCertPair.crt) : undefined,
      key: tls.clientCertPair ? Buffer.from(tls.clientCertPair.key) : undefined,
      ALPNProtocols: ['h2'],
    });
    // A refused client certificate arrives as an alert just after the handshake: wait for it.
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('secureConnect', () => setTimeout(() => done(undefined), 500));
    socket.on('data', () => undefined);
    socket.on('error', (err: NodeJS.ErrnoException) => done(explain(err, tls.clientCertPair?.crt, settings.clientCertPath)));
  });
}

function explain(err: NodeJS.ErrnoException, clientCert: Uint8Array | undefined, clientCertPath: string | undefined): string | undefined {
  const text = `${err.code ?? ''} ${err.message}`;
  if (/CERTIFICATE_REQUIRED|alert number 116/i.test(text)) return 'the server requires a client certificate (mTLS) and this client presented none';
  const refused = /CERTIFICATE_EXPIRED|alert number 45|UNKNOWN_CA|BAD_CERTIFICATE|alert number (42|48)|DECRYPT_ERROR/i.test(text);
  if (refused && clientCert) {
    // The alert says little (a server may send bad_certificate for any reason): the certificate's own dates say more.
    const outOfDate = validity(clientCert, clientCertPath);
    if (outOfDate) return `the server refused this client's certificate: ${outOfDate}`;
  }
  if (/CERTIFICATE_EXPIRED|alert number 45/i.test(text)) return 'the server refused this client\'s certificate: it has expired';
  if (refused) {
    return clientCert ? 'the server refused this client\'s certificate: it is not signed by a CA the server trusts' : 'the server refused the TLS handshake';
  }
  if (/CERT_HAS_EXPIRED/.test(text)) return 'the server\'s certificate has expired';
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_SIGNATURE_FAILURE/i.test(text)) return 'the server\'s certificate is not signed by the CA this client trusts (--tls-ca)';
  if (/ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match/i.test(text)) return 'the server\'s certificate is not made out for this address (maestro certs --host)';
  if (/WRONG_VERSION_NUMBER|packet length too long/i.test(text)) return 'the server does not speak TLS on this port';
  return undefined;
}

/** "certificate F expired on D" (or is not valid before D), or undefined while it is valid or unreadable. */
function validity(pem: Uint8Array, path: string | undefined): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(pem));
  } catch {
    return undefined;
  }
  const name = path ? `certificate ${path}` : 'the certificate';
  const now = Date.now();
  const until = new Date(cert.validTo);
  const from = new Date(cert.validFrom);
  if (until.getTime() < now) return `${name} (${cert.subject.replace(/\n/g, ', ')}) expired on ${until.toISOString()}; renew it from the cluster's CA (delete it and its key, then \`maestro certs --client NAME\`)`;
  if (from.getTime() > now) return `${name} (${cert.subject.replace(/\n/g, ', ')}) is not valid before ${from.toISOString()} (is this machine's clock right?)`;
  return undefined;
}
