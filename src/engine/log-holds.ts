// Positions a partition's log must keep from compaction until their holders release them (continuous backups use them).
export class LogHolds {
  private readonly holds = new Map<number, number>();
  private nextId = 1;

  /** Keeps records from `position` on until released; releasing twice is harmless. */
  hold(position: number): { release(): void } {
    const id = this.nextId++;
    this.holds.set(id, position);
    return { release: () => void this.holds.delete(id) };
  }

  /** The lowest held position, or +Infinity when nothing is held. */
  lowest(): number {
    return Math.min(Number.POSITIVE_INFINITY, ...this.holds.values());
  }
}
