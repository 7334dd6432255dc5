/**
 * The sweep views' host logic without 'vscode': reads the sweep (its record file and run folders)
 * into a SweepViewsModel, answers the page's intents (validated with validateSweepViewsIntent) and
 * pushes the model. The extension supplies the effects: postMessage, opening a run's panel, and
 * handing a brushed filter to the Experiments table; tests supply fakes and drive this same code.
 */
import * as path from 'node:path';
import { validateSweepViewsIntent, type ExperimentRanges, type HostToSweepViews, type SweepRecord, type SweepViewsModel } from '../protocol';
import { readSweepFile } from './sweep-queue';
import { readSweepViews } from './sweep-views-model';
import { acceptIntent } from './page-intent';

export interface SweepViewsEffects {
  post(message: HostToSweepViews): void | Promise<unknown>;
  openRun(runDir: string): void;
  /** The brushed ranges for the Experiments table ({} clears what brushing set before). */
  filterExperiments(ranges: ExperimentRanges): void | Promise<unknown>;
}

export class SweepViewsController {
  private current: SweepViewsModel | null = null;
  /** Rejected messages (tests and the extension's output channel read it). */
  readonly rejected: string[] = [];

  /** `source`: the sweep file (re-read on every reload: a live sweep's entries change state), or a record. */
  constructor(private readonly source: string | SweepRecord, private readonly effects: SweepViewsEffects) {
    this.reload();
  }

  get model(): SweepViewsModel {
    return this.current!;
  }

  /** Re-read the sweep and its run folders; does not post. */
  reload(): SweepViewsModel {
    const record = typeof this.source === 'string' ? readSweepFile(this.source) : this.source;
    this.current = readSweepViews(record);
    return this.current;
  }

  async push(): Promise<void> {
    await this.effects.post({ type: 'sweep-data', model: this.model });
  }

  async handle(raw: unknown): Promise<void> {
    const intent = acceptIntent(raw, validateSweepViewsIntent, this.rejected);
    if (!intent) return;
    switch (intent.type) {
      case 'ready':
        return this.push();
      case 'filter':
        await this.effects.filterExperiments(intent.ranges);
        return;
      case 'open-run': {
        const row = this.model.rows.find((r) => r.id === intent.id);
        if (row?.dir) this.effects.openRun(row.dir);
        else this.rejected.push(`unknown run ${intent.id}`);
        return;
      }
    }
  }

  /** The run folders of the sweep (the extension reloads when one of them changes). */
  runDirs(): string[] {
    return this.model.rows.map((r) => r.dir).filter((d): d is string => !!d).map((d) => path.resolve(d));
  }
}
