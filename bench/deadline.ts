/** Waits for a benchmark run, or gives up on it: a run that would hang the bench is terminated instead. */
export async function settleWithin<T>(result: Promise<T>, run: { terminate(reason: string): Promise<unknown> }, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs / 1000}s`)), timeoutMs);
  });
  try {
    return await Promise.race([result, timeout]);
  } catch (err) {
    await run.terminate('the benchmark gave up on this run').catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
