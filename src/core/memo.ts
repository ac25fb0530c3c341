/**
 * How many distinct texts a memo of messages keeps: a busy day's distinct questions (answers, readings, trigger and
 * scam-request lookups), a few megabytes at most.
 */
export const TEXTS_KEPT = 5000;

/**
 * A bounded memo of a pure function's results by string key; the oldest entry goes first when full. Citizens send
 * the same few texts over and over, and each is read several times per turn.
 */
export class Memo<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly size: number) {}

  get(key: string, make: () => T): T {
    let v = this.entries.get(key);
    if (v === undefined && !this.entries.has(key)) {
      v = make();
      if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, v);
    }
    return v as T;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
