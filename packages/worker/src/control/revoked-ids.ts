/**
 * Revoked task ids, as Celery's worker keeps them (worker_state.revoked, a LimitedSet): at most
 * `maxSize` ids, each until its revoke expires (`expiresMs` after it was revoked here, or the
 * expiry the durable store gave it), the oldest-added first when full.
 */
export class RevokedIds {
  private readonly expiry = new Map<string, number>();

  constructor(
    private readonly maxSize = 50_000,
    readonly expiresMs = 3 * 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Revoked now: kept for `expiresMs`. Returns when they expire, for the durable store. */
  add(ids: Iterable<string>): number {
    const expiresAt = this.now() + this.expiresMs;
    this.addUntil([...ids].map((id) => ({ id, expiresAt })));
    return expiresAt;
  }

  /** Revokes read from the durable store, with their own expiry (a later one wins). */
  addUntil(entries: Iterable<{ id: string; expiresAt: number }>): void {
    for (const { id, expiresAt } of entries) {
      const known = this.expiry.get(id);
      this.expiry.delete(id); // re-revoking renews it, at the end of the order
      this.expiry.set(id, Math.max(expiresAt, known ?? 0));
    }
    this.purge();
  }

  has(id: string): boolean {
    const expiresAt = this.expiry.get(id);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.now()) return true;
    this.expiry.delete(id);
    return false;
  }

  ids(): string[] {
    this.purge();
    return [...this.expiry.keys()];
  }

  private purge(): void {
    const now = this.now();
    for (const [id, expiresAt] of this.expiry) if (expiresAt <= now) this.expiry.delete(id);
    // Map iteration is insertion order: the oldest-added go first.
    for (const id of this.expiry.keys()) {
      if (this.expiry.size <= this.maxSize) break;
      this.expiry.delete(id);
    }
  }
}
