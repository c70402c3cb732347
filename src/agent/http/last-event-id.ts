/** A missing or malformed `Last-Event-ID` means "from the beginning". */
export const parseLastEventId = (value: string | undefined): number => {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};
