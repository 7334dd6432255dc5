/**
 * How a run's optimizer is named wherever it is shown (status bar, run panel header, Runs view,
 * compare page and its CSV): the config's name, plus the HELENE variant when it is not the paper's,
 * "helene (layerwise)". One function in the contract so the extension and the webview agree.
 */
import type { RunManifest } from './records';

/** The fields the label reads; a manifest written by an older runtime may lack the variant. */
export type LabelledManifest = { config?: { optimizer?: { name?: string; variant?: string } }; optimizer?: { name?: string } };

/**
 * "helene", or "helene (energy)" for a non-paper HELENE variant. Built from the config's name: the
 * optimizer instance's own name already carries the variant ("helene-energy"), and
 * "helene-energy (energy)" would say it twice. "?" when there is no manifest.
 */
export function optimizerLabel(manifest: RunManifest | LabelledManifest | null | undefined): string {
  if (!manifest) return '?';
  const m = manifest as LabelledManifest;
  const configured = m.config?.optimizer;
  const variant = configured?.variant;
  const name = configured?.name ?? m.optimizer?.name ?? '?';
  return variant && variant !== 'paper' ? `${name} (${variant})` : (m.optimizer?.name ?? name);
}
