/**
 * The next occurrence of a needle at or after a position that only moves forward. A plain `indexOf` per line would
 * rescan to the end of the text on every line that lacks the needle (quadratic on a 1M-line file); remembering the
 * last hit makes every search together one pass.
 */
export class NextIndex {
  private at = -2;

  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {}

  /** Index of the first occurrence at or after `pos`, or -1. `pos` must not decrease between calls. */
  from(pos: number): number {
    if (this.at !== -1 && this.at < pos) this.at = this.text.indexOf(this.needle, pos);
    return this.at;
  }
}
