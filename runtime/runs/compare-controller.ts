/**
 * The compare panel's host logic without 'vscode': holds the compared run folders, the baseline
 * and the target, answers the page's intents (validated with validateCompareIntent) and pushes
 * CompareViewModels. The extension supplies the effects (postMessage, a save dialog, opening a
 * run panel); the webview test supplies fakes, so both drive this same code.
 */
import { validateCompareIntent, type CompareTarget, type CompareViewModel, type HostToCompare } from '../protocol';
import { buildCompareViewModel, type CompareRunInput } from './compare-model';
import { curvesCsv, summaryCsv } from './compare-export';
import { loadCompareRuns } from './compare-load';
import { acceptIntent } from './page-intent';

export interface CompareEffects {
  post(message: HostToCompare): void | Promise<unknown>;
  /** Ask where to save (suggested file name) and write it; resolve to the path, or null when cancelled. */
  saveFile(suggestedName: string, content: Uint8Array): Promise<string | null>;
  openRun(runDir: string): void;
}

export interface CompareControllerOptions {
  baselineId?: string;
  target?: CompareTarget;
  maxPoints?: number;
}

export class CompareController {
  private runs: CompareRunInput[] = [];
  private unreadable: { id: string; reason: string }[] = [];
  private dirs = new Map<string, string>();
  private current: CompareViewModel | null = null;
  private baselineId: string | undefined;
  private target: CompareTarget;
  /** Rejected messages (tests and the extension's output channel read it). */
  readonly rejected: string[] = [];

  constructor(private runDirs: readonly string[], private readonly effects: CompareEffects, private readonly options: CompareControllerOptions = {}) {
    this.baselineId = options.baselineId;
    this.target = options.target ?? { kind: 'final' };
    this.reload();
  }

  get model(): CompareViewModel {
    return this.current!;
  }

  /** Re-read the folders (a live run progressed, a watcher fired) and rebuild the model; does not post. */
  reload(): CompareViewModel {
    const loaded = loadCompareRuns(this.runDirs);
    this.runs = loaded.runs;
    this.unreadable = loaded.unreadable;
    this.dirs.clear();
    for (const r of loaded.runs) this.dirs.set(r.id, r.dir);
    return this.rebuild();
  }

  private rebuild(): CompareViewModel {
    this.current = buildCompareViewModel(this.runs, { baselineId: this.baselineId, target: this.target, maxPoints: this.options.maxPoints, unreadable: this.unreadable });
    this.baselineId = this.current.baselineId;
    return this.current;
  }

  async push(): Promise<void> {
    await this.effects.post({ type: 'compare-data', model: this.model });
  }

  async handle(raw: unknown): Promise<void> {
    const intent = acceptIntent(raw, validateCompareIntent, this.rejected);
    if (!intent) return;
    switch (intent.type) {
      case 'ready':
        return this.push();
      case 'set-baseline':
        if (!this.runs.some((r) => r.id === intent.runId)) {
          this.rejected.push(`unknown run ${intent.runId}`);
          return;
        }
        this.baselineId = intent.runId;
        this.rebuild();
        return this.push();
      case 'set-target':
        this.target = intent.target;
        this.rebuild();
        return this.push();
      case 'export-csv': {
        const csv = intent.what === 'summary' ? summaryCsv(this.model) : curvesCsv(this.model);
        return this.save(`compare-${intent.what}.csv`, new TextEncoder().encode(csv));
      }
      case 'export-image': {
        const bytes = Buffer.from(intent.dataUrl.slice(intent.dataUrl.indexOf(',') + 1), 'base64');
        return this.save(`compare-${intent.chart}.${intent.format}`, bytes);
      }
      case 'open-run': {
        const dir = this.dirs.get(intent.runId);
        if (dir) this.effects.openRun(dir);
        else this.rejected.push(`unknown run ${intent.runId}`);
        return;
      }
    }
  }

  private async save(name: string, content: Uint8Array): Promise<void> {
    try {
      const where = await this.effects.saveFile(name, content);
      if (where) await this.effects.post({ type: 'notice', level: 'info', text: `saved ${where}` });
    } catch (e) {
      await this.effects.post({ type: 'notice', level: 'error', text: `could not save ${name}: ${(e as Error).message}` });
    }
  }
}
