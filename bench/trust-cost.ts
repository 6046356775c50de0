/**
 * What signing costs: `node dist/bench/trust-cost.js`. Prints one table (bench/RESULTS.md keeps it).
 *
 * - module init: every workflow — each service child too — evaluates every bundled module in its
 *   own context (RESULTS.md, "zod in the workflow bundle"); measured here by evaluating the trust
 *   code's modules (@noble/curves ed25519, @noble/hashes sha2) in fresh V8 contexts, as the sandbox does.
 * - client: signing a 1,000 × 5 plan (canonical JSON, plan hash, Merkle root, one SSHSIG).
 * - workflow: the parent hashing the services once for their proofs.
 * - node: verifying one step (signature cached per statement after the first step; proof every step).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { ed25519 } from '@noble/curves/ed25519';
import { signPlan } from '../plan/sign-plan';
import { leafInPlan, parseStatement, signedServices } from '../plan/signed-plan';
import { NAMESPACES } from '../trust/allowed-signers';
import { verifySshsig } from '../trust/sshsig';
import { BENCH_KEY } from './bench-identity';
import { syntheticPlan } from './synthetic-plan';

function time<T>(fn: () => T, repeat = 1): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  let value!: T;
  for (let i = 0; i < repeat; i++) value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6 / repeat, value };
}

/** A CommonJS loader inside a fresh context: each module file evaluated once per context. */
function loadInFreshContext(entry: string): void {
  const context = createContext({ TextEncoder, TextDecoder, Uint8Array, console });
  const cache = new Map<string, unknown>();
  const load = (file: string): unknown => {
    if (cache.has(file)) return (cache.get(file) as { exports: unknown }).exports;
    const module = { exports: {} as unknown };
    cache.set(file, module);
    const fn = runInContext(`(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`, context) as (e: unknown, r: (id: string) => unknown, m: unknown) => void;
    // Built-ins resolve to nothing, as the package's "browser" field makes the workflow bundle do.
    fn(module.exports, (id) => (id.startsWith('node:') ? {} : load(require.resolve(id, { paths: [dirname(file)] }))), module);
    return module.exports;
  };
  load(entry);
}

function moduleInit(entry: string, contexts: number): { ms: number; heapKb: number } {
  loadInFreshContext(entry); // warm the file cache
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const kept: unknown[] = [];
  const { ms } = time(() => kept.push(loadInFreshContext(entry)), contexts);
  const heapKb = (process.memoryUsage().heapUsed - heapBefore) / contexts / 1024;
  return { ms, heapKb };
}

function main(): void {
  const rows: string[][] = [];
  const nodeModules = join(__dirname, '..', '..', 'node_modules');
  const ed = moduleInit(join(nodeModules, '@noble/curves/ed25519.js'), 50);
  const sha = moduleInit(join(nodeModules, '@noble/hashes/sha2.js'), 50);
  rows.push(['module init per workflow: @noble/curves ed25519 (+ sha2)', `${ed.ms.toFixed(2)} ms`, `${Math.round(ed.heapKb)} KB`]);
  rows.push(['module init per workflow: @noble/hashes sha2 alone', `${sha.ms.toFixed(2)} ms`, `${Math.round(sha.heapKb)} KB`]);

  const plan = syntheticPlan({ services: 1000, steps: 5, depth: 10, body: 'noop', mode: 'dag', maxParallel: 50 }, '/tmp');
  const sign = time(() => signPlan(plan, { runId: 'r', key: BENCH_KEY, nowMs: Date.now(), ttlMs: 60_000 }), 5);
  rows.push(['client: sign a 1,000 × 5 plan (hash, Merkle root, one SSHSIG)', `${sign.ms.toFixed(1)} ms`, '']);
  const proofs = time(() => signedServices(plan, sign.value), 5);
  rows.push(['workflow: the parent builds 1,000 proofs (once per run)', `${proofs.ms.toFixed(1)} ms`, '']);
  const one = proofs.value.get(plan.services[500]!.name)!;
  const payload = Buffer.byteLength(JSON.stringify(one));
  rows.push(['activity payload added per step (service leaf + proof + signature)', `${(payload / 1024).toFixed(1)} KB`, '']);
  const statement = parseStatement(sign.value.statement);
  const verifyFirst = time(() => verifySshsig(sign.value.signature, sign.value.statement, NAMESPACES.plan));
  const verify = time(() => verifySshsig(sign.value.signature, sign.value.statement, NAMESPACES.plan), 50);
  rows.push(['node: verify the plan signature (noble; cold / warm; a node does it once per statement)', `${verifyFirst.ms.toFixed(2)} / ${verify.ms.toFixed(2)} ms`, '']);
  const proof = time(() => leafInPlan(statement, one), 200);
  rows.push(['node: check a step (leaf hash + proof), every step', `${proof.ms.toFixed(3)} ms`, '']);
  const sigBytes = ed25519.sign(new Uint8Array(32), BENCH_KEY.seed);
  rows.push(['ed25519 verify alone (noble, warm)', `${time(() => ed25519.verify(sigBytes, new Uint8Array(32), BENCH_KEY.publicKey.key), 50).ms.toFixed(2)} ms`, '']);

  const width = Math.max(...rows.map((r) => r[0]!.length));
  console.log(`| ${'what'.padEnd(width)} | time | heap |\n|${'-'.repeat(width + 2)}|---|---|`);
  for (const [what, ms, heap] of rows) console.log(`| ${what!.padEnd(width)} | ${ms} | ${heap} |`);
}

main();
