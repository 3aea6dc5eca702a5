/** Polling for what the user sees: the UI updates asynchronously, so a test waits for the state it expects. */

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `read` until `ok` holds; fails with the last value read, which is what the user saw. */
export async function eventually<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      lastError = undefined;
      if (await ok(last)) {
        return last;
      }
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = lastError instanceof Error ? lastError.message : JSON.stringify(last);
      throw new Error(`${what}: not within ${timeoutMs} ms; last seen: ${seen}`);
    }
    await sleep(200);
  }
}
