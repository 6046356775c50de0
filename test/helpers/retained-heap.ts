import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The heap still in use after a full garbage collection: what is kept, not what was read and
 * dropped. Output passed through the command launcher leaves tens of MB of garbage for a while.
 */
export function retainedHeapBytes(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}
