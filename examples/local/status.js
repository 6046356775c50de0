#!/usr/bin/env node
'use strict';
/**
 * What the local demo has deployed: per service, where `current` points, which version runs
 * (and whether its /health is happy), and the data file's schema. Reads $MAESTRO_DEMO_DIR and
 * $MAESTRO_DEMO_PORT_BASE like the steps do.
 *
 *   node examples/local/status.js
 */
const fs = require('node:fs');
const lib = require('./lib');

async function main() {
  const state = lib.stateDir();
  console.log(`state: ${state}`);
  for (const service of Object.keys(lib.SERVICES)) {
    const paths = lib.servicePaths(state, service);
    const link = lib.readLink(paths.current);
    const data = fs.existsSync(paths.data) ? lib.readJson(paths.data) : undefined;
    const server = lib.runningServer(state, service);
    const probe = server ? await lib.probeHealth(server.port) : undefined;
    const running = server ? `${server.version} pid ${server.pid} :${server.port} health ${probe ? probe.status : 'no answer'}` : 'not running';
    console.log(
      `${service.padEnd(13)} current ${(link ?? '-').padEnd(24)} server ${running.padEnd(44)} data ${data ? `schema ${data.schema}` : '-'}`,
    );
  }
}

main().catch((error) => {
  console.error(`status: ${error.stack}`);
  process.exitCode = 1;
});
