#!/usr/bin/env node
'use strict';
/**
 * One deployment step of the local demo, for the service named by MAESTRO_SERVICE:
 *
 *   node local/step.js build   [--undo]   release directory releases/<service>/<VERSION> with a sha256 manifest
 *   node local/step.js migrate [--undo]   data/<service>.json up to schema DATA_SCHEMA (backup first)
 *   node local/step.js start   [--undo]   run the release's server detached on its port, pid file in run/
 *   node local/step.js switch  [--undo]   current/<service> -> the release, atomically
 *
 * `--undo` puts back what this run's step changed (its journal says what it found), and does
 * nothing when there is nothing to undo. Every action is safe to repeat: a retry finds the work
 * done and says so, and keeps what the first attempt found for the undo (see `journal` in
 * lib.js). Each appends one line to $STATE/actions.log.
 *
 * Reads: MAESTRO_SERVICE, MAESTRO_RUN_ID, MAESTRO_STEP, MAESTRO_NODE, MAESTRO_ATTEMPT,
 * MAESTRO_IDEMPOTENCY_KEY (set by Maestro), VERSION, DATA_SCHEMA, REQUIRES_SCHEMA (from the plan),
 * MAESTRO_DEMO_DIR, MAESTRO_DEMO_PORT_BASE, MAESTRO_DEMO_IDLE_EXIT (see README of the examples).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const lib = require('./lib');

const { DemoError } = lib;
const ACTIONS = ['build', 'migrate', 'start', 'switch'];
const USAGE = `usage: node local/step.js <${ACTIONS.join('|')}> [--undo]`;

/** Additive migrations: the step to schema N adds one field to every record that lacks it. */
const MIGRATIONS = {
  2: { field: 'status', value: 'active' },
  3: { field: 'tags', value: [] },
  4: { field: 'revision', value: 1 },
};
const LATEST_SCHEMA = Math.max(...Object.keys(MIGRATIONS).map(Number));

function requireEnv(name, pattern, what) {
  const value = process.env[name];
  if (value === undefined || value === '') throw new DemoError(`${name} is not set (the plan's step env gives it)`);
  if (pattern && !pattern.test(value)) throw new DemoError(`${name} must be ${what}, got ${JSON.stringify(value)}`);
  return value;
}

const versionOf = () => requireEnv('VERSION', /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/, 'a version like 2.0.0');

function schemaFrom(name, fallback) {
  const raw = process.env[name] === undefined || process.env[name] === '' ? fallback : process.env[name];
  if (raw === undefined) throw new DemoError(`${name} is not set (the plan's step env gives it)`);
  const schema = Number(raw);
  if (!Number.isInteger(schema) || schema < 1 || schema > LATEST_SCHEMA) {
    throw new DemoError(`${name} must be a schema version from 1 to ${LATEST_SCHEMA}, got ${JSON.stringify(raw)}`);
  }
  return schema;
}

function relative(state, file) {
  return path.relative(state, file) || '.';
}

// ---- build ------------------------------------------------------------------------------------

function releaseFiles(ctx, version) {
  const info = lib.serviceInfo(ctx.service);
  const handler = require(info.handlerFile);
  const requiresSchema = schemaFrom('REQUIRES_SCHEMA', process.env.DATA_SCHEMA || '1');
  const files = {
    'server.js': fs.readFileSync(path.join(lib.LOCAL_DIR, 'server.js')),
    'handler.js': fs.readFileSync(info.handlerFile),
    'release.json': Buffer.from(`${JSON.stringify({ service: ctx.service, version, requiresSchema, description: handler.description }, null, 2)}\n`),
  };
  const hashes = Object.fromEntries(Object.entries(files).map(([name, content]) => [name, lib.sha256(content)]));
  const digest = lib.sha256(Object.entries(hashes).map(([name, hash]) => `${hash}  ${name}\n`).join(''));
  const manifest = { service: ctx.service, version, files: hashes, digest };
  return { files, manifest };
}

function build(state, ctx) {
  const version = versionOf();
  const paths = lib.servicePaths(state, ctx.service);
  const dir = paths.release(version);
  const { files, manifest } = releaseFiles(ctx, version);
  const entries = lib.journal(state, ctx);
  const existing = lib.readJson(path.join(dir, 'manifest.json'));
  let entry = entries.retried();

  if (existing) {
    if (existing.digest !== manifest.digest) {
      throw new DemoError(
        `release ${relative(state, dir)} already exists with other content (digest ${existing.digest.slice(0, 12)}, this build ${manifest.digest.slice(0, 12)}); releases are immutable: bump VERSION`,
      );
    }
    if (!entry) entries.open({ existed: true });
    return `release ${relative(state, dir)} already built, identical (digest ${manifest.digest.slice(0, 12)})`;
  }
  // Journal first: should we crash after the rename, the undo still knows this run made it.
  if (!entry) entry = entries.open({ existed: false });
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    fs.mkdirSync(tmp, { recursive: true });
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(tmp, name), content);
    fs.writeFileSync(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.rmSync(dir, { recursive: true, force: true }); // a manifest-less leftover of a crashed build
    fs.renameSync(tmp, dir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return `built ${relative(state, dir)}: ${Object.keys(files).length} files + manifest, digest ${manifest.digest.slice(0, 12)}`;
}

function undoBuild(state, ctx) {
  const version = versionOf();
  const paths = lib.servicePaths(state, ctx.service);
  const dir = paths.release(version);
  const entries = lib.journal(state, ctx);
  const entry = entries.active();
  if (!entry) return 'nothing to undo';
  let note;
  if (entry.before.existed) {
    note = `kept ${relative(state, dir)}: it existed before this run`;
  } else if (!fs.existsSync(dir)) {
    note = `${relative(state, dir)} is already gone`;
  } else if (fs.existsSync(paths.current) && fs.realpathSync(paths.current) === fs.realpathSync(dir)) {
    note = `kept ${relative(state, dir)}: current still points to it`;
  } else if (lib.runningServer(state, ctx.service)?.version === version) {
    note = `kept ${relative(state, dir)}: its server still runs`;
  } else {
    fs.rmSync(dir, { recursive: true, force: true });
    note = `removed ${relative(state, dir)}`;
  }
  entries.markUndone(entry);
  return note;
}

// ---- migrate ----------------------------------------------------------------------------------

function migrate(state, ctx) {
  const target = schemaFrom('DATA_SCHEMA');
  const paths = lib.servicePaths(state, ctx.service);
  const entries = lib.journal(state, ctx);
  const notes = [];

  if (!fs.existsSync(paths.data)) {
    // A fresh state dir: the data the (never deployed) version 1 would have had.
    const handler = require(lib.serviceInfo(ctx.service).handlerFile);
    const records = handler.seed();
    lib.writeJsonAtomic(paths.data, {
      service: ctx.service,
      schema: 1,
      migrations: [{ from: 0, to: 1, key: 'seed', at: new Date().toISOString() }],
      records,
    });
    notes.push(`seeded ${relative(state, paths.data)} with ${records.length} records at schema 1`);
  }
  if (!entries.retried()) {
    const content = fs.readFileSync(paths.data);
    const backup = path.join(paths.backupsDir, `${path.basename(entries.file, '.json')}.json`);
    lib.writeFileAtomic(backup, content);
    entries.open({ schema: JSON.parse(content.toString('utf8')).schema, sha256: lib.sha256(content), backup });
    notes.push(`backup ${relative(state, backup)}`);
  }

  const data = lib.readJson(paths.data);
  if (data.schema >= target) {
    const last = data.migrations[data.migrations.length - 1];
    notes.push(`already at schema ${data.schema} (applied by ${last ? last.key : 'nobody'})`);
    return notes.join('; ');
  }
  const from = data.schema;
  const added = [];
  for (let schema = from + 1; schema <= target; schema += 1) {
    const { field, value } = MIGRATIONS[schema];
    data.records = data.records.map((record) => (field in record ? record : { ...record, [field]: structuredClone(value) }));
    added.push(field);
  }
  data.schema = target;
  data.migrations.push({ from, to: target, key: ctx.key, runId: ctx.runId, node: ctx.node, at: new Date().toISOString() });
  lib.writeJsonAtomic(paths.data, data);
  notes.push(`schema ${from} -> ${target}: added ${added.join(', ')} to ${data.records.length} records`);
  return notes.join('; ');
}

function undoMigrate(state, ctx) {
  const paths = lib.servicePaths(state, ctx.service);
  const entries = lib.journal(state, ctx);
  const entry = entries.active();
  if (!entry) return 'nothing to undo';
  const content = fs.readFileSync(entry.before.backup);
  if (lib.sha256(content) !== entry.before.sha256) throw new DemoError(`backup ${entry.before.backup} does not match its checksum; not restoring it`);
  lib.writeFileAtomic(paths.data, content);
  entries.markUndone(entry);
  return `restored ${relative(state, paths.data)} to schema ${entry.before.schema} from ${relative(state, entry.before.backup)}`;
}

// ---- start ------------------------------------------------------------------------------------

/** Starts the release's server in its own session and resolves once it answers /health. */
async function launch(state, service, version) {
  const paths = lib.servicePaths(state, service);
  const dir = paths.release(version);
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) throw new DemoError(`release ${relative(state, dir)} is not built`);
  const port = lib.servicePort(service);
  fs.mkdirSync(path.dirname(paths.logFile), { recursive: true });
  fs.mkdirSync(path.dirname(paths.pidFile), { recursive: true });
  const log = fs.openSync(paths.logFile, 'a');
  const child = spawn(process.execPath, [path.join(dir, 'server.js')], {
    cwd: dir,
    // Its own session and no pipes: it outlives this step, and the step does not wait for it.
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, DEMO_PORT: String(port), DEMO_DATA_FILE: paths.data, DEMO_PID_FILE: paths.pidFile },
  });
  fs.closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new DemoError(`could not start ${process.execPath}`);
  lib.writeJsonAtomic(paths.pidFile, { pid, service, version, port, release: dir, startedAt: new Date().toISOString() });

  let died = false;
  const listening = await lib.waitUntil(async () => {
    if (!lib.isRunning(pid)) return (died = true);
    const probe = await lib.probeHealth(port);
    return probe !== undefined && probe.json !== undefined && probe.json.pid === pid;
  }, 15_000);
  if (died || !listening) {
    if (!died) await lib.stopProcess(pid);
    fs.rmSync(paths.pidFile, { force: true });
    const why = died ? 'exited' : 'did not answer on its port within 15s';
    throw new DemoError(`${service} ${version} ${why}; ${relative(state, paths.logFile)} says:\n${lib.tail(paths.logFile, 5)}`);
  }
  return { pid, port };
}

async function stopServer(state, service, server) {
  const how = await lib.stopProcess(server.pid);
  const paths = lib.servicePaths(state, service);
  if (lib.readJson(paths.pidFile)?.pid === server.pid) fs.rmSync(paths.pidFile, { force: true });
  return `stopped ${server.version} (pid ${server.pid}, ${how})`;
}

async function start(state, ctx) {
  const version = versionOf();
  const entries = lib.journal(state, ctx);
  const running = lib.runningServer(state, ctx.service);
  const entry = entries.retried() ?? entries.open(running ? { version: running.version, pid: running.pid } : null);
  const previous = entry.before ? `previous ${entry.before.version}` : 'no previous server';

  if (running && running.version === version) {
    const probe = await lib.probeHealth(running.port);
    if (probe?.json?.pid === running.pid) return `${version} already runs (pid ${running.pid}, port ${running.port}); ${previous}`;
  }
  const notes = running ? [await stopServer(state, ctx.service, running)] : [previous];
  const { pid, port } = await launch(state, ctx.service, version);
  notes.push(`started ${version} (pid ${pid}) on http://127.0.0.1:${port}`);
  return notes.join('; ');
}

async function undoStart(state, ctx) {
  const entries = lib.journal(state, ctx);
  const entry = entries.active();
  if (!entry) return 'nothing to undo';
  const before = entry.before;
  const running = lib.runningServer(state, ctx.service);
  const notes = [];
  if (running && (!before || running.version !== before.version)) notes.push(await stopServer(state, ctx.service, running));
  if (before && running?.version !== before.version) {
    const { pid, port } = await launch(state, ctx.service, before.version);
    notes.push(`restarted ${before.version} (pid ${pid}) on http://127.0.0.1:${port}`);
  } else if (before) {
    notes.push(`${before.version} already runs (pid ${running.pid})`);
  } else if (notes.length === 0) {
    notes.push('no server was running, none ran before');
  }
  entries.markUndone(entry);
  return notes.join('; ');
}

// ---- switch -----------------------------------------------------------------------------------

function switchCurrent(state, ctx) {
  const version = versionOf();
  const paths = lib.servicePaths(state, ctx.service);
  const dir = paths.release(version);
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) throw new DemoError(`release ${relative(state, dir)} is not built`);
  // Relative, so the state dir can move.
  const target = path.relative(path.dirname(paths.current), dir);
  const entries = lib.journal(state, ctx);
  const was = lib.readLink(paths.current);
  if (!entries.retried()) entries.open({ target: was });
  if (was === target) return `current/${ctx.service} already -> ${target}`;
  lib.symlinkAtomic(target, paths.current);
  return `current/${ctx.service} -> ${target} (was ${was ?? 'absent'})`;
}

function undoSwitch(state, ctx) {
  const paths = lib.servicePaths(state, ctx.service);
  const entries = lib.journal(state, ctx);
  const entry = entries.active();
  if (!entry) return 'nothing to undo';
  const was = entry.before.target;
  let note;
  if (was === null) {
    fs.rmSync(paths.current, { force: true });
    note = `removed current/${ctx.service} (there was none before)`;
  } else {
    lib.symlinkAtomic(was, paths.current);
    note = `current/${ctx.service} -> ${was} again`;
  }
  entries.markUndone(entry);
  return note;
}

// ---- main -------------------------------------------------------------------------------------

const HANDLERS = {
  build: { do: build, undo: undoBuild },
  migrate: { do: migrate, undo: undoMigrate },
  start: { do: start, undo: undoStart },
  switch: { do: switchCurrent, undo: undoSwitch },
};

const SIGNAL_EXIT = { SIGTERM: 143, SIGINT: 130 };

async function main(argv) {
  const [action, ...flags] = argv;
  const unknown = flags.filter((flag) => flag !== '--undo');
  if (!action || !ACTIONS.includes(action) || unknown.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const phase = flags.includes('--undo') ? 'undo' : 'do';
  const state = lib.stateDir();
  const ctx = lib.stepContext(action, phase);
  const label = `${ctx.service} ${action}${phase === 'undo' ? ' (undo)' : ''} on ${ctx.node}`;

  // Maestro stops a cancelled step with SIGTERM (SIGKILL after a grace period). A step is short:
  // let it finish, then put back what it did, since a step that did not complete is never undone.
  // An undo is not interrupted: it runs to the end.
  let stopSignal;
  for (const signal of Object.keys(SIGNAL_EXIT)) process.on(signal, () => (stopSignal ??= signal));

  let note;
  try {
    note = await HANDLERS[action][phase](state, ctx);
  } catch (error) {
    // A failed attempt leaves things as it found them (only what this attempt journaled).
    if (phase === 'do' && ctx.journaled) {
      const putBack = await putBackAfter(state, ctx);
      lib.logAction(state, ctx, `failed: ${error.message.split('\n')[0]}; put back: ${putBack}`);
      error.message += `\n(put back what this attempt did: ${putBack})`;
    }
    throw error;
  }
  if (stopSignal && phase === 'do') {
    const putBack = ctx.journaled ? await putBackAfter(state, ctx) : 'nothing';
    lib.logAction(state, ctx, `${note}; stopped by ${stopSignal}, put back: ${putBack}`);
    console.log(`${label}: stopped by ${stopSignal} after: ${note}; put back: ${putBack}`);
    return SIGNAL_EXIT[stopSignal];
  }
  lib.logAction(state, ctx, note);
  console.log(`${label}: ${note}`);
  return 0;
}

async function putBackAfter(state, ctx) {
  try {
    return await HANDLERS[ctx.action].undo(state, ctx);
  } catch (error) {
    return `could not: ${error.message.split('\n')[0]}`;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof DemoError ? `step.js: ${error.message}` : error.stack);
    process.exitCode = 1;
  },
);
