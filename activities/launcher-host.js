// @ts-check
/**
 * The command launcher: a small process a worker forks once, which starts the step commands on
 * the worker's behalf and relays their output and exit over the IPC channel.
 *
 * Why: Node forks synchronously, and the cost grows with the forking process's memory. A worker
 * that also runs workflows grows to hundreds of MB; there each spawn blocked the whole process for
 * 8–44 ms (bench/RESULTS.md). From this process, which stays near 50 MB, a spawn costs ~1 ms.
 *
 * Plain JavaScript so it runs as is under the tests as well as from dist/. It has no dependencies.
 */
'use strict';
const { spawn } = require('node:child_process');

/** @type {Map<number, import('node:child_process').ChildProcess>} */
const running = new Map();

/** @param {object} message @param {() => void} [sent] */
function send(message, sent) {
  if (!process.connected) return;
  process.send?.(message, undefined, undefined, () => sent?.());
}

/** @param {{ t: string; id: number; file?: string; args?: string[]; cwd?: string; env?: NodeJS.ProcessEnv }} message */
function onMessage(message) {
  if (message.t === 'release') {
    const child = running.get(message.id);
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    running.delete(message.id);
    return;
  }
  if (message.t !== 'spawn' || message.file === undefined) return;
  const { id } = message;
  const failed = (/** @type {NodeJS.ErrnoException} */ error) =>
    send({ t: 'failed', id, error: { message: error.message, code: error.code, errno: error.errno, syscall: error.syscall, path: error.path } });
  /** @type {import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable>} */
  let child;
  try {
    child = spawn(message.file, message.args ?? [], {
      cwd: message.cwd,
      env: message.env,
      // Its own process group, so a timeout or cancellation can stop everything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Arguments Node refuses outright (a NUL byte): one command's failure, not the launcher's.
    failed(/** @type {NodeJS.ErrnoException} */ (error));
    return;
  }
  if (child.pid === undefined) {
    child.once('error', failed);
    return;
  }
  running.set(id, child);
  send({ t: 'started', id, pid: child.pid });
  // A later 'error' (a failed kill) must not end the launcher.
  child.on('error', () => undefined);
  for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
    const stream = child[name];
    stream.setEncoding('utf8');
    stream.on('data', (/** @type {string} */ data) => {
      // One chunk in flight per stream, so a flood of output waits for the worker instead of piling up here.
      stream.pause();
      send({ t: 'out', id, stream: name, data }, () => stream.resume());
    });
  }
  child.once('exit', (code, signal) => send({ t: 'exit', id, code, signal }));
  child.once('close', () => {
    running.delete(id);
    send({ t: 'closed', id });
  });
}

process.on('message', onMessage);
// The worker decides when commands stop; Ctrl-C at a terminal reaches this process too, and must
// not take the commands' supervision away while the worker shuts down.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The worker is gone (exited or killed): nothing is left to report to.
process.on('disconnect', () => process.exit(0));
