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
    console.error(err);
    process.exitCode = 1;
    exitSoon();
  },
);
