#!/usr/bin/env node
'use strict';
/**
 * Stops every demo server recorded in $MAESTRO_DEMO_DIR/run/*.pid (default <repo>/.maestro/demo)
 * and removes their pid files. `--purge` then deletes the whole state dir, so the next run
 * starts from nothing. Safe to run any time, any number of times.
 *
 *   node examples/local/cleanup.js [--purge]
 */
const fs = require('node:fs');
const path = require('node:path');
const lib = require('./lib');

async function main(argv) {
  const unknown = argv.filter((arg) => arg !== '--purge');
  if (unknown.length > 0) {
    console.error('usage: node examples/local/cleanup.js [--purge]');
    return 2;
  }
  const state = lib.stateDir();
  const runDir = path.join(state, 'run');
  const pidFiles = fs.existsSync(runDir) ? fs.readdirSync(runDir).filter((name) => name.endsWith('.pid')) : [];
  let stopped = 0;
  for (const name of pidFiles) {
    const file = path.join(runDir, name);
    let record;
    try {
      record = lib.readJson(file);
    } catch (error) {
      console.error(`cleanup: ${file}: ${error.message}; removing it`);
    }
    if (record && lib.isDemoServer(record.pid)) {
      const how = await lib.stopProcess(record.pid);
      console.log(`stopped ${record.service} ${record.version} (pid ${record.pid}, port ${record.port}, ${how})`);
      stopped += 1;
    }
    fs.rmSync(file, { force: true });
  }
  if (stopped === 0) console.log(`no demo server running (state: ${state})`);
  if (argv.includes('--purge')) {
    fs.rmSync(state, { recursive: true, force: true });
    console.log(`removed ${state}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`cleanup: ${error.stack}`);
    process.exitCode = 1;
  },
);
