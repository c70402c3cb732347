/** A sliding window per connection: `limit` subscribes per `windowMs`. */
export class SubscribeThrottle {
  private readonly times: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs = 10_000,
  ) {}

  /** True when this call is allowed (and counted). */
  take(now = Date.now()): boolean {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.limit) return false;
    this.times.push(now);
    return true;
  }
}
