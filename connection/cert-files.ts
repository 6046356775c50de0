import { join } from 'node:path';

/** Where each file of a certificate folder is; the server, compose file and docs use these names. */
export const CERT_FILES = {
  ca: 'ca.pem',
  caKey: 'ca-key.pem',
  serverCert: 'server.pem',
  serverKey: 'server-key.pem',
  clientCert: (name: string) => join('clients', `${name}.pem`),
  clientKey: (name: string) => join('clients', `${name}-key.pem`),
} as const;
