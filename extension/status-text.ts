/**
 * What the status bar says about a run, as plain data (the VS Code wrapper only copies it into a
 * StatusBarItem). The provider shown is the one that really ran (manifest.engine.provider or
 * status.provider), never the one requested.
 */
import { optimizerLabel, type RunState } from '../runtime/protocol';
import type { RunSession } from './run-session';

export interface StatusText {
  text: string;
  tooltip: string;
  /** Draw attention (error background) for failures. */
  error: boolean;
}

const ICONS: Record<RunState, string> = {
  starting: '$(loading~spin)',
  running: '$(pulse)',
  paused: '$(debug-pause)',
  finished: '$(check)',
  stopped: '$(debug-stop)',
  failed: '$(error)',
  crashed: '$(error)',
  interrupted: '$(warning)',
};

/** The run's optimizer as every view names it ("helene (layerwise)"); "HELENE" (the product) until the manifest names it. */
function runOptimizerLabel(manifest: RunSession['manifest']): string {
  const label = optimizerLabel(manifest);
  return label === '?' ? 'HELENE' : label;
}

export function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) return String(loss);
  const a = Math.abs(loss);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? loss.toExponential(2) : loss.toFixed(4);
}

export function statusText(session: Pick<RunSession, 'name' | 'status' | 'manifest' | 'lastStep' | 'step' | 'totalSteps' | 'exit' | 'live'>): StatusText {
  const state: RunState = session.status?.state ?? (session.live ? 'starting' : session.exit?.outcome ?? 'failed');
  const parts = [`${ICONS[state]} ${runOptimizerLabel(session.manifest)}`];
  if (state !== 'running') parts[0] += ` ${state}`;
  const total = session.totalSteps;
  if (state !== 'starting' || session.step > 0) parts.push(total ? `${session.step}/${total}` : `step ${session.step}`);
  if (session.lastStep) parts.push(`loss ${formatLoss(session.lastStep.loss)}`);
  const provider = session.manifest?.engine.provider ?? session.status?.provider;
  if (provider) parts.push(provider.toUpperCase());

  const tips = [`Run: ${session.name}`, `State: ${state}`];
  const engine = session.manifest?.engine;
  if (engine) {
    tips.push(`Provider: ${engine.provider} (requested ${engine.requestedProvider})`);
    if (engine.fallbackReason) tips.push(`Why not ${engine.requestedProvider}: ${engine.fallbackReason}`);
  }
  const error = session.status?.error ?? (session.exit && (session.exit.outcome === 'failed' || session.exit.outcome === 'crashed') ? session.exit.message : undefined);
  if (error) tips.push(`Error: ${error.split('\n').slice(-5).join('\n')}`);
  tips.push('Click to open the run panel');
  return { text: parts.join(' · '), tooltip: tips.join('\n'), error: state === 'failed' || state === 'crashed' };
}
