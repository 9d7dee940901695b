/**
 * Revoked task ids, as Celery's worker keeps them (worker_state.revoked, a LimitedSet): at most
 * `maxSize` ids, each forgotten `expiresMs` after it was revoked, the oldest first when full.
 */
export class RevokedIds {
  private readonly revokedAt = new Map<string, number>();

  constructor(
    private readonly maxSize = 50_000,
    private readonly expiresMs = 3 * 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  add(ids: Iterable<string>): void {
    const at = this.now();
    for (const id of ids) {
      this.revokedAt.delete(id); // re-revoking renews it, at the end of the order
      this.revokedAt.set(id, at);
    }
    this.purge();
  }

  has(id: string): boolean {
    const at = this.revokedAt.get(id);
    if (at === undefined) return false;
    if (this.now() - at < this.expiresMs) return true;
    this.revokedAt.delete(id);
    return false;
  }

  ids(): string[] {
    this.purge();
    return [...this.revokedAt.keys()];
  }

  private purge(): void {
    const oldestAllowed = this.now() - this.expiresMs;
    // Map iteration is insertion order: oldest first.
    for (const [id, at] of this.revokedAt) {
      if (this.revokedAt.size <= this.maxSize && at > oldestAllowed) break;
      this.revokedAt.delete(id);
    }
  }
}
