/**
 * The text demo's settings, kept apart so the README table and the test quote one source.
 * Learning rates: best final eval accuracy of a small grid per optimizer (MeZO 0.003 / 0.01 / 0.03,
 * HELENE with rho 1: 0.001 / 0.003 / 0.01), 1500 steps; 3000 steps gave no more.
 */
export const TEXT_DEMO = {
  fixture: 'test/fixtures/lm/tiny-encoder',
  seed: 1,
  steps: 1500,
  batchSize: 32,
  maxLength: 64,
  labelNames: ['devil', 'jargon'],
  trainables: { trainablePreset: 'head' as const },
  describe: 'the classifier head (trainablePreset "head")',
  optimizers: {
    mezo: { lr: 0.003, eps: 0.001 },
    // Without the update clip, HELENE's ratio m / max(h, lambda) ~ 1 / c blows up on this task in
    // ~10 steps at any lr tried (3e-4 .. 1e-2); rho = 1 bounds each element's step by lr.
    helene: { lr: 0.01, eps: 0.001, rho: 1 },
  },
};
