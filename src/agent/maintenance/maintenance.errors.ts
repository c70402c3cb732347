/** A maintenance run asked for with arguments it refuses (a threshold below the lease timeout, …). */
export class InvalidMaintenanceRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMaintenanceRequestError';
  }
}
