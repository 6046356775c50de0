#!/usr/bin/env node
'use strict';
// The production route's Temporal server (docs/production.md): sets PostgreSQL's schema up with
// temporal-sql-tool, writes the server's mTLS configuration from a `maestro certs` folder, and
// prints the command that runs it (or, with --start, runs it until SIGINT/SIGTERM).
//
//   node bin/production-server.js --postgres postgres://temporal:PW@127.0.0.1:5432/temporal \
//     --tls-dir .maestro/certs --ip 10.0.0.5 --server-name temporal.lan [--config-dir D] [--start]
//
// --config-only writes the configuration and nothing else: where the schema is set up by
// temporal-sql-tool elsewhere and the server runs from its image (docker-compose.yml).
const { spawn } = require('node:child_process');
const { parseArgs } = require('node:util');
const server = require('../dist/workers/production-server.js');

function main() {
  const { values } = parseArgs({
    options: {
      postgres: { type: 'string' },
      'tls-dir': { type: 'string' },
      ip: { type: 'string', default: '127.0.0.1' },
      'server-name': { type: 'string' },
      'config-dir': { type: 'string' },
      start: { type: 'boolean', default: false },
      'config-only': { type: 'boolean', default: false },
    },
  });
  if (!values.postgres || !values['tls-dir']) throw new Error('--postgres URL and --tls-dir DIR are required (see docs/production.md)');
  const settings = {
    postgres: server.parsePostgresUrl(values.postgres),
    tlsDir: values['tls-dir'],
    ip: values.ip,
    serverName: values['server-name'] ?? values.ip,
    configDir: values['config-dir'],
  };
  if (values['config-only']) {
    console.log(`config: ${server.writeProductionConfig(settings)}`);
    return;
  }
  const binaries = server.productionBinaries();
  server.setupPostgresSchema(settings.postgres, binaries);
  const config = server.writeProductionConfig(settings);
  const args = ['--config-file', config, '--allow-no-auth', 'start'];
  console.log(`schema ready on ${settings.postgres.host}:${settings.postgres.port} (${settings.postgres.database}, ${settings.postgres.visibilityDatabase})`);
  console.log(`config: ${config}`);
  console.log(`run:    ${binaries.server} ${args.join(' ')}`);
  console.log(`then, once: maestro init --create-namespace --address ${settings.ip}:${server.SERVER_PORTS.frontend.grpcPort} --tls-ca ... --tls-cert ... --tls-key ...`);
  if (!values.start) return;
  const child = spawn(binaries.server, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
}

try {
  main();
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exitCode = 2;
}
