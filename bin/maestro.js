#!/usr/bin/env node
'use strict';
// The CLI is compiled to dist/ by `npm ci` (the `prepare` script).
const { runCli } = require('../dist/client/main.js');

// `maestro list | head`: a reader that went away is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
