/**
 * A minimal row virtualiser (docs/libraries.md says why not a library): every row has the same
 * height, so the rows in view follow from scrollTop alone; only those (plus a few above and below)
 * exist in the DOM, placed with transform: translateY through the CSSOM (element.style, which the
 * page's CSP allows; no style="" markup). Row elements are recycled by position in the window, so
 * scrolling 1,000 rows creates no new elements once the window is full.
 */
export interface VirtualRowsOptions {
  /** The scrolling element (its height is set by the page's CSS). */
  viewport: HTMLElement;
  /** The element that holds the rows, under any sticky header; its height is set to count × rowHeight. */
  body: HTMLElement;
  rowHeight: number;
  /** Rows drawn beyond the visible ones, above and below. */
  overscan?: number;
  /** Fill `el` (recycled) with item `index`. */
  render(el: HTMLElement, index: number): void;
}

export class VirtualRows {
  private count = 0;
  private pool: HTMLElement[] = [];
  private frame = 0;
  private first = -1;
  private last = -1;

  constructor(private readonly o: VirtualRowsOptions) {
    o.viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(o.viewport);
  }

  /** New item count (or the same items changed): redraw the window now. */
  setCount(count: number): void {
    this.count = count;
    this.o.body.style.height = `${count * this.o.rowHeight}px`;
    this.first = this.last = -1;
    this.draw();
  }

  /** Indices drawn now (tests, and the page's "visible rows" debug hook). */
  drawnRange(): [number, number] {
    return [this.first, this.last];
  }

  scrollToIndex(index: number): void {
    this.o.viewport.scrollTop = index * this.o.rowHeight;
    this.draw();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const { viewport, body, rowHeight } = this.o;
    const overscan = this.o.overscan ?? 8;
    // The body may sit under a sticky header: its offset inside the scrolled content.
    const top = Math.max(0, viewport.scrollTop - body.offsetTop);
    const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
    const last = Math.min(this.count - 1, Math.ceil((top + viewport.clientHeight) / rowHeight) + overscan);
    if (first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    const needed = Math.max(0, last - first + 1);
    while (this.pool.length < needed) {
      const el = document.createElement('div');
      body.append(el);
      this.pool.push(el);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const el = this.pool[i];
      if (i >= needed) {
        el.hidden = true;
        continue;
      }
      el.hidden = false;
      el.style.transform = `translateY(${(first + i) * rowHeight}px)`;
      this.o.render(el, first + i);
    }
  }
}
