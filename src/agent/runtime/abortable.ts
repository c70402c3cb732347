/** Settles with `work`, or rejects with the signal's reason as soon as it aborts (even if `work` ignores it). */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined); // its outcome no longer matters; don't let it surface as unhandled
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export class StepTimeoutError extends Error {
  constructor(readonly timeoutSeconds: number) {
    super(`Execution time limit of ${timeoutSeconds}s reached`);
    this.name = 'StepTimeoutError';
  }
}
