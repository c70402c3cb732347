/** What a run is asked to stop for at a step boundary. */
export type RequestedStop = 'pause' | 'cancel';

/**
 * The signal check before each step: the signals the last commit saw waiting in the table (the
 * truth), and those heard since through notifications. A cancel wins over a pause.
 */
export function requestedStop(pendingSignals: readonly string[], heard: ReadonlySet<RequestedStop>): RequestedStop | null {
  if (pendingSignals.includes('cancel') || heard.has('cancel')) return 'cancel';
  if (pendingSignals.includes('pause') || heard.has('pause')) return 'pause';
  return null;
}
