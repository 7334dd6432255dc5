/**
 * The Experiments page's host logic without 'vscode': holds the row sources, the view state
 * (target, baseline, columns: remembered through a ViewStateStore), answers the page's intents
 * (validated with validateExperimentsIntent) and pushes models. Live updates: runsChanged(ids)
 * re-reads only those runs and posts the rows that changed (rows-changed), or a whole model when
 * the set of differing parameters moved (the row params carry only those). The extension supplies
 * the effects (postMessage, the existing compare and delete commands, opening a run panel).
 */
import * as path from 'node:path';
import { validateExperimentRanges, validateExperimentsIntent, type ExperimentRanges, type ExperimentRow, type ExperimentsViewModel, type HostToExperiments } from '../protocol';
import { buildExperimentsModel, DEFAULT_VIEW_STATE, type ExperimentsViewState } from './experiment-rows';
import type { ExperimentEntry, ExperimentSource } from './experiment-source';
import { acceptIntent } from './page-intent';

export interface ExperimentsEffects {
  post(message: HostToExperiments): void | Promise<unknown>;
  /** Open the compare page on these run folders. */
  compare(dirs: string[]): void;
  /** Delete these run folders through the existing delete path (it asks for confirmation). */
  delete(dirs: string[]): void | PromiseLike<unknown>;
  openRun(dir: string): void;
  /** The page's filter now shows these rows (other views may follow). */
  filtered?(ids: string[]): void;
}

/** Where the view state is remembered (the extension: workspaceState). */
export interface ViewStateStore {
  get(): Partial<ExperimentsViewState> | undefined;
  set(state: ExperimentsViewState): void | Thenable<void>;
}

export class ExperimentsController {
  private state: ExperimentsViewState;
  private entries = new Map<string, ExperimentEntry>();
  /** Which source each entry id came from (re-reads go to it). */
  private sourceOf = new Map<string, ExperimentSource>();
  private posted: ExperimentsViewModel | null = null;
  private postedRows = new Map<string, string>();
  readonly rejected: string[] = [];
  /** The ids the page's filter shows (null until the page said). */
  filteredIds: string[] | null = null;

  constructor(private readonly sources: readonly ExperimentSource[], private readonly effects: ExperimentsEffects, private readonly store?: ViewStateStore) {
    this.state = { ...DEFAULT_VIEW_STATE, ...(store?.get() ?? {}) };
    this.reload();
  }

  /** Re-read every source (open, refresh). */
  reload(): void {
    this.entries.clear();
    this.sourceOf.clear();
    for (const s of this.sources) {
      for (const e of s.entries()) {
        if (this.entries.has(e.row.id)) continue; // one id once: the first source wins
        this.entries.set(e.row.id, e);
        this.sourceOf.set(e.row.id, s);
      }
      s.flush?.();
    }
  }

  model(buildMs = 0): ExperimentsViewModel {
    const label = this.sources.map((s) => s.label);
    return buildExperimentsModel([...this.entries.values()], this.state, label, buildMs);
  }

  /** Post the whole model (the page became ready, the state changed). */
  async push(): Promise<void> {
    const t0 = performance.now();
    const model = this.model();
    model.buildMs = performance.now() - t0;
    this.posted = model;
    this.postedRows = new Map(model.rows.map((r) => [r.id, JSON.stringify(r)]));
    await this.effects.post({ type: 'experiments-data', model });
  }

  /**
   * Runs whose files changed (ids of the sources' rows; the extension maps run folders to ids).
   * Posts only the rows that changed; the whole model when the differing parameters changed.
   */
  async runsChanged(ids: readonly string[]): Promise<void> {
    for (const s of this.sources) {
      const mine = ids.filter((id) => !this.sourceOf.has(id) || this.sourceOf.get(id) === s);
      if (!mine.length) continue;
      for (const [id, e] of s.refresh(mine)) {
        if (e) {
          this.entries.set(id, e);
          this.sourceOf.set(id, s);
        } else if (this.sourceOf.get(id) === s) {
          this.entries.delete(id);
          this.sourceOf.delete(id);
        }
      }
      s.flush?.();
    }
    if (!this.posted) return;
    const model = this.model();
    const sameKeys = model.differingParams.join('\n') === this.posted.differingParams.join('\n') && model.allParams.join('\n') === this.posted.allParams.join('\n');
    if (!sameKeys || model.targetValue !== this.posted.targetValue) return this.push();
    const changed: ExperimentRow[] = [];
    const now = new Map<string, string>();
    for (const r of model.rows) {
      const text = JSON.stringify(r);
      now.set(r.id, text);
      if (this.postedRows.get(r.id) !== text) changed.push(r);
    }
    const removed = [...this.postedRows.keys()].filter((id) => !now.has(id));
    this.postedRows = now;
    this.posted = model;
    if (changed.length || removed.length) await this.effects.post({ type: 'rows-changed', rows: changed, removed });
  }

  /** Set the page's numeric ranges from another view (parallel-coordinates brushing). */
  async setRanges(ranges: unknown): Promise<void> {
    const v = validateExperimentRanges(ranges);
    if (!v.ok) throw new Error(`experiments filter: ${v.reason}`);
    await this.effects.post({ type: 'filter', ranges: v.value as ExperimentRanges });
  }

  dirOf(id: string): string | null {
    return this.entries.get(id)?.row.dir ?? null;
  }

  /** The row id of a run folder, if one of the rows is it. */
  idOfDir(dir: string): string | null {
    const abs = path.resolve(dir);
    for (const e of this.entries.values()) if (e.row.dir && path.resolve(e.row.dir) === abs) return e.row.id;
    return null;
  }

  private remember(): void {
    void this.store?.set(this.state);
  }

  async handle(raw: unknown): Promise<void> {
    const intent = acceptIntent(raw, validateExperimentsIntent, this.rejected);
    if (!intent) return;
    const dirs = (ids: string[]) => ids.map((id) => this.dirOf(id)).filter((d): d is string => d !== null);
    switch (intent.type) {
      case 'ready':
        return this.push();
      case 'compare':
        return this.effects.compare(dirs(intent.ids));
      case 'delete':
        await this.effects.delete(dirs(intent.ids));
        return;
      case 'open-run': {
        const dir = this.dirOf(intent.id);
        if (dir) this.effects.openRun(dir);
        return;
      }
      case 'set-baseline':
        this.state = { ...this.state, baselineId: intent.id };
        this.remember();
        return this.push();
      case 'set-target':
        this.state = { ...this.state, target: intent.target };
        this.remember();
        return this.push();
      case 'save-columns':
        this.state = { ...this.state, columns: intent.columns.length ? intent.columns : null };
        this.remember();
        // The page applied the layout itself; the next model carries it.
        return;
      case 'filtered':
        this.filteredIds = intent.ids;
        this.effects.filtered?.(intent.ids);
        return;
    }
  }
}
