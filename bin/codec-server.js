#!/usr/bin/env node
'use strict';
// Maestro's payload codec endpoint on its own, for a Web UI that `maestro dev`/`maestro server`
// do not start (docker-compose.yml's temporal-ui). The UI's configuration names the URL ahead, so
// the port and the token are fixed here: the token comes from MAESTRO_CODEC_TOKEN (kept out of
// the process list), the payload key from MAESTRO_PAYLOAD_KEY, as for every Maestro process.
//
//   MAESTRO_CODEC_TOKEN=$(openssl rand -hex 24) node bin/codec-server.js --host 0.0.0.0 --port 8081 \
//     --ui-origin http://localhost:8080
//
// Only requests from the UI's origins with the token are answered (workers/codec-server.ts).
const { parseArgs } = require('node:util');
const { startCodecServer } = require('../dist/workers/codec-server.js');
const { maestroDataConverter } = require('../dist/connection/codec.js');

async function main() {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8081' },
      'ui-origin': { type: 'string', multiple: true },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port: "${values.port}" is not a port number`);
  if (!values['ui-origin']?.length) throw new Error('--ui-origin URL is required: the Web UI\'s address as the browser sees it (e.g. http://localhost:8080)');
  const token = process.env.MAESTRO_CODEC_TOKEN;
  if (!token) throw new Error('MAESTRO_CODEC_TOKEN is not set: the secret part of the URL the Web UI calls (e.g. `openssl rand -hex 24`)');
  const codecs = maestroDataConverter().payloadCodecs ?? [];
  const server = await startCodecServer({ codecs, uiOrigins: values['ui-origin'], host: values.host, port, token });
  console.log(`payload codec endpoint on ${values.host}:${port} for ${values['ui-origin'].join(', ')}`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close().then(() => process.exit(0)));
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 2;
});
