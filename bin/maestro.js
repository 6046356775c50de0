#!/usr/bin/env node
'use strict';
// The CLI is compiled to dist/ by `npm ci` (the `prepare` script).
const { runCli } = require('../dist/client/main.js');

// `maestro list | head`: a reader that went away is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// A command that has returned is done, even if something it loaded (the SDK's native runtime,
// which also catches SIGTERM) would keep the process alive: exit once output has had time to drain.
const exitSoon = () => setTimeout(() => process.exit(), 2000).unref();

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    exitSoon();
  },
  (err) => {
    // runCli reports every error itself; this is only a last resort, still without a stack unless asked for.
    const debug = /^(?!0$|false$)./i.test((process.env.MAESTRO_DEBUG || '').trim());
    console.error(`error: ${err && err.message ? err.message : String(err)}`);
    if (debug && err && err.stack) console.error(err.stack);
    process.exitCode = 1;
    exitSoon();
  },
);
