/**
 * Live updates of the runs view without polling: file-change notifications are mapped to the run
 * they belong to and coalesced (a live run rewrites status.json every second and appends metrics
 * every 200 ms; the view needs at most a few refreshes a second).
 *
 * In VS Code the extension feeds a vscode.FileSystemWatcher on
 * `new RelativePattern(runsDir, '{*,*\/{run.json,status.json,summary.json}}')` into a ChangeCoalescer
 * through runIdOfChange; headless callers (and tests) can use watchRunsDir, built on fs.watch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The run a changed path belongs to: the first path segment under the runs directory; null when outside or hidden. */
export function runIdOfChange(runsDir: string, changed: string): string | null {
  const rel = path.relative(path.resolve(runsDir), path.resolve(changed));
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const first = rel.split(path.sep)[0];
  return first && !first.startsWith('.') ? first : null;
}

/** Collects changed run ids and hands them over in one batch `delayMs` after the first change. */
export class ChangeCoalescer {
  private pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly flush: (ids: string[]) => void, private readonly delayMs = 250) {}

  add(id: string): void {
    this.pending.add(id);
    if (!this.timer) this.timer = setTimeout(() => this.fire(), this.delayMs);
  }

  fire(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const ids = [...this.pending].sort();
    this.pending.clear();
    this.flush(ids);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}

export interface RunsWatcher {
  close(): void;
}

/**
 * fs.watch on the runs directory (folders added/removed) and on each run folder (its files), one
 * non-recursive watch each: cheap on every platform, no polling. `onChange` gets coalesced run ids.
 */
export function watchRunsDir(runsDir: string, onChange: (ids: string[]) => void, delayMs = 250): RunsWatcher {
  const coalescer = new ChangeCoalescer(onChange, delayMs);
  const watchers = new Map<string, fs.FSWatcher>();
  const watchRun = (id: string) => {
    if (watchers.has(id) || id.startsWith('.')) return;
    try {
      const w = fs.watch(path.join(runsDir, id), () => coalescer.add(id));
      w.on('error', () => {
        w.close();
        watchers.delete(id);
      });
      watchers.set(id, w);
    } catch {
      // Not a folder, or gone already: the root watcher reported it; nothing to follow.
    }
  };
  fs.mkdirSync(runsDir, { recursive: true });
  const root = fs.watch(runsDir, (_event, name) => {
    if (!name) return;
    const id = String(name);
    if (id.startsWith('.')) return;
    if (fs.existsSync(path.join(runsDir, id))) watchRun(id);
    else {
      watchers.get(id)?.close();
      watchers.delete(id);
    }
    coalescer.add(id);
  });
  for (const e of fs.readdirSync(runsDir, { withFileTypes: true })) if (e.isDirectory()) watchRun(e.name);
  return {
    close() {
      root.close();
      for (const w of watchers.values()) w.close();
      watchers.clear();
      coalescer.dispose();
    },
  };
}
