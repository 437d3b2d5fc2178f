// Bounded shutdown steps: a close that waits for an unreachable Redis must not keep a stopping daemon alive.

/** Resolves true when the promise settled within `ms`, false when the deadline came first. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A BullMQ Queue or Worker: close politely within the deadline, else drop its connections. */
export async function closeWithin(
  closable: { close(): Promise<void>; disconnect(): Promise<void> },
  ms: number,
): Promise<void> {
  if (!(await settlesWithin(closable.close(), ms))) await settlesWithin(closable.disconnect(), 1000);
}
