/**
 * Turns a byte stream (a child's stdout or stderr) into whole lines. A chunk may end mid-line, so
 * the tail is held until the next chunk or `end()`; a carriage return alone (progress bars) also
 * ends a line so the log never shows one endless line.
 */
export class LineSplitter {
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string | Buffer): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r\n|\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.onLine(line);
  }

  /** Emit whatever is left (the stream closed without a final newline). */
  end(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}

/** Keeps the last `capacity` lines: what a crash report shows. */
export class LineTail {
  private readonly lines: string[] = [];

  constructor(private readonly capacity: number) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  snapshot(): string[] {
    return [...this.lines];
  }
}
