'use strict';
/**
 * Shared helpers of the local demo scripts (step.js, cleanup.js, status.js). Node built-ins only.
 *
 * State lives under $MAESTRO_DEMO_DIR (default <repo>/.maestro/demo, git-ignored):
 *   releases/<service>/<version>/   server.js, handler.js, release.json, manifest.json (sha256 of each file)
 *   current/<service>               symlink to the deployed release (replaced atomically by rename)
 *   data/<service>.json             the service's JSON "database": { schema, migrations, records }
 *   backups/<service>/              data files as they were before a migration
 *   run/<service>.pid               the running server: { pid, version, port, release, startedAt }
 *   logs/<service>.log              the servers' output
 *   journal/<service>/<step>/       what each run's step changed, so its undo can put it back
 *   actions.log                     one line per executed action:
 *                                   <service> <step> <do|undo> <node> pid=<pid> attempt=<n> key=<key> | <what happened>
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const LOCAL_DIR = __dirname;
const REPO_DIR = path.resolve(__dirname, '..', '..');
const DEFAULT_PORT_BASE = 18080;
const SERVICES = JSON.parse(fs.readFileSync(path.join(LOCAL_DIR, 'services.json'), 'utf8'));

/** A mistake or a refusal the operator should read; the script exits 1 with its message. */
class DemoError extends Error {}

function stateDir(env = process.env) {
  return path.resolve(env.MAESTRO_DEMO_DIR || path.join(REPO_DIR, '.maestro', 'demo'));
}

function portBase(env = process.env) {
  const raw = env.MAESTRO_DEMO_PORT_BASE;
  if (raw === undefined || raw === '') return DEFAULT_PORT_BASE;
  const base = Number(raw);
  if (!Number.isInteger(base) || base < 1 || base > 65535 - 16) {
    throw new DemoError(`MAESTRO_DEMO_PORT_BASE must be a port number (1-65519), got ${JSON.stringify(raw)}`);
  }
  return base;
}

function serviceInfo(name) {
  if (!name) throw new DemoError('MAESTRO_SERVICE is not set (Maestro sets it; set it yourself when running a step by hand)');
  const info = Object.prototype.hasOwnProperty.call(SERVICES, name) ? SERVICES[name] : undefined;
  if (!info) throw new DemoError(`unknown demo service "${name}"; known: ${Object.keys(SERVICES).join(', ')}`);
  return { name, portOffset: info.portOffset, handlerFile: path.join(LOCAL_DIR, info.handler) };
}

function servicePort(name, env = process.env) {
  return portBase(env) + serviceInfo(name).portOffset;
}

/** Where everything of one service lives. */
function servicePaths(state, service) {
  return {
    releasesDir: path.join(state, 'releases', service),
    release: (version) => path.join(state, 'releases', service, version),
    current: path.join(state, 'current', service),
    data: path.join(state, 'data', `${service}.json`),
    backupsDir: path.join(state, 'backups', service),
    pidFile: path.join(state, 'run', `${service}.pid`),
    logFile: path.join(state, 'logs', `${service}.log`),
    journalDir: (step) => path.join(state, 'journal', service, step),
  };
}

/** A file-name-safe, collision-free form of a run id. */
function safeName(text) {
  const readable = text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return `${readable}-${sha256(text).slice(0, 8)}`;
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function readJson(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DemoError(`${file} is not valid JSON: ${error.message}`);
  }
}

/** Writes a file so readers see the old content or the new one, never half of it. */
function writeFileAtomic(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

function writeJsonAtomic(file, value) {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Points `link` at `target` by renaming a fresh symlink over it: there is no moment without a link. */
function symlinkAtomic(target, link) {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  const tmp = `${link}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

function readLink(link) {
  try {
    return fs.readlinkSync(link);
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

/** The step's identity, from the MAESTRO_* variables the runner sets (defaults for running by hand). */
function stepContext(action, phase, env = process.env) {
  const service = serviceInfo(env.MAESTRO_SERVICE).name;
  const runId = env.MAESTRO_RUN_ID || 'manual';
  return {
    service,
    action,
    phase,
    runId,
    node: env.MAESTRO_NODE || os.hostname(),
    attempt: env.MAESTRO_ATTEMPT || '1',
    key: env.MAESTRO_IDEMPOTENCY_KEY || `${runId}/${service}/${action}`,
  };
}

function logAction(state, ctx, note) {
  const line = `${ctx.service} ${ctx.action} ${ctx.phase} ${ctx.node} pid=${process.pid} attempt=${ctx.attempt} key=${ctx.key} | ${note}\n`;
  fs.mkdirSync(state, { recursive: true });
  // One short write with O_APPEND: lines of services running at once do not interleave.
  fs.appendFileSync(path.join(state, 'actions.log'), line);
}

/**
 * The journal of one step in one run: what the step found before it changed anything, so its
 * undo can put it back. Written before the change; marked `undoneAt` by the undo, so undoing
 * twice changes nothing.
 *
 * A retry (MAESTRO_ATTEMPT > 1 with the same MAESTRO_IDEMPOTENCY_KEY) reuses the entry, so what
 * the first attempt found is what the undo restores, even if that attempt crashed half way.
 * A first attempt always looks afresh: run ids come from plan names, so the next run of the same
 * plan arrives with the same run id and key, and must not inherit the last run's "before".
 */
function journal(state, ctx) {
  const file = path.join(servicePaths(state, ctx.service).journalDir(ctx.action), `${safeName(ctx.runId)}.json`);
  return {
    file,
    /** The entry of a `do` that has not been undone yet. */
    active() {
      const entry = readJson(file);
      return entry && !entry.undoneAt ? entry : undefined;
    },
    /** The entry a retry of the same step continues from, if this is a retry. */
    retried() {
      const entry = Number(ctx.attempt) > 1 ? this.active() : undefined;
      if (!entry || entry.key !== ctx.key) return undefined;
      ctx.journaled = true;
      return entry;
    },
    write(entry) {
      writeJsonAtomic(file, entry);
      return entry;
    },
    open(before) {
      ctx.journaled = true;
      return this.write({ runId: ctx.runId, key: ctx.key, node: ctx.node, at: new Date().toISOString(), before });
    },
    markUndone(entry) {
      this.write({ ...entry, undoneAt: new Date().toISOString(), undoneBy: ctx.key });
    },
  };
}

// ---- processes ----------------------------------------------------------------------------

/** True while `pid` is a live process (a zombie waiting to be reaped counts as gone). */
function isRunning(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code === 'ESRCH') return false;
    if (error.code !== 'EPERM') throw error;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is the answer
  }
}

/** Whether `pid` still is a demo server, not a process that reused its number. */
function isDemoServer(pid) {
  if (!isRunning(pid)) return false;
  try {
    const command = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return command.includes('server.js');
  } catch (error) {
    return error.code === 'ENOENT'; // no ps: trust the pid file
  }
}

/** Polls `condition` (sync or async) every `intervalMs` until it holds or `timeoutMs` passes. */
async function waitUntil(condition, timeoutMs, intervalMs = 25) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`. Resolves once it is gone. */
async function stopProcess(pid, graceMs = 5_000) {
  if (!isRunning(pid)) return 'gone';
  process.kill(pid, 'SIGTERM');
  if (await waitUntil(() => !isRunning(pid), graceMs)) return 'terminated';
  process.kill(pid, 'SIGKILL');
  if (await waitUntil(() => !isRunning(pid), 2_000)) return 'killed';
  throw new DemoError(`process ${pid} survived SIGKILL`);
}

/** The server recorded in the service's pid file, if it still runs. */
function runningServer(state, service) {
  const record = readJson(servicePaths(state, service).pidFile);
  return record && isDemoServer(record.pid) ? record : undefined;
}

function httpGet(url, timeoutMs = 2_000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs}ms`)));
    req.on('error', reject);
  });
}

/** GET /health of the service's port: { status, json } or undefined when nothing answers. */
async function probeHealth(port) {
  try {
    const { status, body } = await httpGet(`http://127.0.0.1:${port}/health`);
    let json;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    return { status, json };
  } catch {
    return undefined;
  }
}

function tail(file, lines = 10) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

module.exports = {
  DEFAULT_PORT_BASE,
  DemoError,
  LOCAL_DIR,
  REPO_DIR,
  SERVICES,
  httpGet,
  isDemoServer,
  isRunning,
  journal,
  logAction,
  probeHealth,
  readJson,
  readLink,
  runningServer,
  serviceInfo,
  servicePaths,
  servicePort,
  sha256,
  stateDir,
  stepContext,
  stopProcess,
  symlinkAtomic,
  tail,
  waitUntil,
  writeFileAtomic,
  writeJsonAtomic,
};
