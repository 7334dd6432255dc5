/** What a loaded dataset holds, as run.json records it (RunManifest.data) for the CLI and the run panel. */
import type { DatasetFacts } from '../protocol';
import type { Dataset } from './dataset';
import type { TextDataset } from './text/text-dataset';

export function datasetFacts(d: Dataset): DatasetFacts {
  const text = 'truncated' in d ? (d as TextDataset) : null;
  return {
    file: d.file,
    examples: d.size,
    skippedLines: d.skippedLines.length,
    invalidUtf8Lines: d.invalidUtf8?.count ?? 0,
    ...(text ? { truncated: text.truncated, maxLength: text.maxLength } : {}),
  };
}
