'use strict';
/**
 * The demo's HTTP server. `step.js build` copies it into every release next to handler.js and
 * release.json, and `step.js start` runs it detached from the step (its own session), so it
 * outlives the command that started it. Node built-ins only.
 *
 *   GET /health   200 {service, version, pid, healthy: true, schema, requiresSchema}
 *                 503 with healthy: false and a reason when the data file's schema is older than
 *                 the release needs (requiresSchema in release.json)
 *   GET /         what this service is and its routes; other routes come from handler.js
 *
 * Environment (set by step.js start): DEMO_PORT, DEMO_DATA_FILE, DEMO_PID_FILE, and
 * MAESTRO_DEMO_IDLE_EXIT — the server exits by itself after that long without a request
 * (default 10m; 90s, 500ms, 2h, or a bare number of seconds), so nothing lingers.
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const release = JSON.parse(fs.readFileSync(path.join(__dirname, 'release.json'), 'utf8'));
const handler = require('./handler.js');

const port = Number(process.env.DEMO_PORT);
const dataFile = process.env.DEMO_DATA_FILE;
const pidFile = process.env.DEMO_PID_FILE;
const idleMs = parseIdle(process.env.MAESTRO_DEMO_IDLE_EXIT);
const startedAt = Date.now();
if (!Number.isInteger(port) || port <= 0 || !dataFile) {
  console.error('DEMO_PORT and DEMO_DATA_FILE must be set (step.js start sets them)');
  process.exit(2);
}

function parseIdle(raw) {
  if (raw === undefined || raw === '') return 10 * 60_000;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] || 's'] : NaN;
  if (!(ms > 0)) {
    console.error(`MAESTRO_DEMO_IDLE_EXIT must be a positive duration (10m, 90s, 500ms or seconds), got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return ms;
}

function readData() {
  try {
    return JSON.parse(fs.readFileSync(dataFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function health() {
  const data = readData();
  const schema = data && Number.isInteger(data.schema) ? data.schema : 0;
  const healthy = schema >= release.requiresSchema;
  const body = { service: release.service, version: release.version, pid: process.pid, healthy, schema, requiresSchema: release.requiresSchema };
  if (!healthy) {
    body.reason = data
      ? `data schema ${schema} is older than the ${release.requiresSchema} this release needs`
      : `no readable data file at ${dataFile}`;
  }
  return [healthy ? 200 : 503, body];
}

const server = http.createServer((req, res) => {
  touch();
  const { pathname } = new URL(req.url || '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'GET only' });
  if (pathname === '/health') {
    const [status, body] = health();
    return send(res, status, body);
  }
  if (pathname === '/') {
    return send(res, 200, {
      service: release.service,
      version: release.version,
      description: handler.description,
      uptimeMs: Date.now() - startedAt,
      routes: ['/health', ...Object.keys(handler.routes)],
    });
  }
  const route = handler.routes[pathname];
  if (!route) return send(res, 404, { error: `no route ${pathname}` });
  const data = readData();
  return send(res, 200, { service: release.service, version: release.version, schema: data ? data.schema : 0, data: route({ records: data ? data.records : [] }) });
});

let idleTimer;
function touch() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => shutdown(`idle for ${idleMs}ms`), idleMs);
}

let stopping = false;
function shutdown(reason) {
  if (stopping) return;
  stopping = true;
  console.log(`${new Date().toISOString()} ${release.service} ${release.version} pid ${process.pid} stopping: ${reason}`);
  clearTimeout(idleTimer);
  // Only our own record: a newer server may already have replaced it.
  try {
    if (pidFile && JSON.parse(fs.readFileSync(pidFile, 'utf8')).pid === process.pid) fs.rmSync(pidFile, { force: true });
  } catch {
    // no pid file, or not ours
  }
  server.close(() => process.exit(0));
  server.closeAllConnections();
}

server.on('error', (error) => {
  console.error(`${new Date().toISOString()} ${release.service} ${release.version} pid ${process.pid} cannot serve on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`${new Date().toISOString()} ${release.service} ${release.version} pid ${process.pid} listening on http://127.0.0.1:${port} (idle exit after ${idleMs}ms)`);
  touch();
});
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
