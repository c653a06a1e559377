/**
 * Lines of ffmpeg's stderr kept for error messages: enough for the header and the lines around
 * a failure, few enough that an endless stream does not grow memory.
 */
export const STDERR_TAIL_LINES = 50;

/** A bounded ring of the most recent lines. */
export class StderrTail {
  /** Most lines kept. */
  readonly capacity: number;
  private readonly ring: string[] = [];
  private next = 0;

  /**
   * @param capacity - Most lines kept; an integer >= 1.
   *   @defaultValue {@link STDERR_TAIL_LINES}
   */
  constructor(capacity: number = STDERR_TAIL_LINES) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be an integer >= 1, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Adds a line, dropping the oldest when full. */
  push(line: string): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(line);
      return;
    }
    this.ring[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The kept lines, oldest first. */
  lines(): string[] {
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
