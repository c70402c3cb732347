/** The checks every feature's options share (each feature validates its own, into one list of problems). */
export const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
