import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows, workflowsPath } from '../orchestrator-worker';
import { maestroHome } from '../temporal-binaries';

/** Every file under these folders beside workflows/ goes into the bundle (workflows import only plan/ and constants of activities/). */
const BUNDLED_FOLDERS = ['workflows', 'plan', 'activities'];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : /\.(js|ts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []))
    .sort();
}

/** A key that changes whenever anything that goes into the bundle (or the SDK that builds it) does. */
function bundleKey(root: string): string {
  const hash = createHash('sha256');
  hash.update(JSON.parse(readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')).version as string);
  for (const file of BUNDLED_FOLDERS.flatMap((f) => filesUnder(join(root, f)))) hash.update(file.slice(root.length)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The production workflow bundle, built once per version of the code and kept under
 * `.maestro/cache/`: webpack takes seconds, and a simulation should not.
 */
export async function cachedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const root = dirname(dirname(workflowsPath()));
  const file = join(maestroHome(), 'cache', `workflow-bundle-${bundleKey(root)}.json`);
  if (existsSync(file)) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as WorkflowBundleWithSourceMap;
    } catch {
      // A damaged cache file is rebuilt below.
    }
  }
  const bundle = await bundleWorkflows();
  mkdirSync(dirname(file), { recursive: true });
  // Written beside and renamed, so a concurrent reader never sees half a bundle.
  const partial = `${file}.partial-${process.pid}`;
  writeFileSync(partial, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
  renameSync(partial, file);
  return bundle;
}
