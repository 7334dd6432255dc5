/**
 * `helene-studio scaffold <folder>`: a demo workspace a new user can open and run at once — the
 * demo model, its data, one run config per optimizer (MeZO and HELENE) and a README with the steps.
 * Refuses a folder that already holds files (never overwrites a user's work).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_DEFAULTS, writeDemoWorkspace, type DemoFiles } from './demo-task';

/** The folder cannot take the demo; its message is the whole sentence the user reads (CLI and extension). */
export class ScaffoldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaffoldError';
  }
}

export function scaffoldDemoWorkspace(dir: string): DemoFiles {
  const target = path.resolve(dir);
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) {
    throw new ScaffoldError(`${target} is a file, not a folder; choose an empty or new folder (nothing was written)`);
  }
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new ScaffoldError(`${target} is not empty; choose an empty or new folder (nothing was written)`);
  }
  const files = writeDemoWorkspace(target, DEMO_DEFAULTS);
  fs.writeFileSync(
    path.join(target, 'README.md'),
    `# HELENE Studio demo workspace

A 4-class task whose labels come from a hidden teacher network, on 24 raw features scaled 3.0 / 1.0 / 0.2
(so the first layer's curvature differs ~225x between columns), and a student MLP 24-16-4 to fine-tune
from forward passes alone.

- \`demo-mlp.onnx\` — the model; \`train.jsonl\` / \`eval.jsonl\` — the data (\`{"x": [24 numbers], "label": 0..3}\`)
- \`helene-recommended.helene.json\` — HELENE with its layerwise preset (blocks auto: row blocks for this model; curvature floor 0.1). On held-out tasks MeZO was best (docs/heldout.md)
- \`helene.helene.json\` — HELENE as the paper/spec states it; \`mezo.helene.json\` — the MeZO baseline (same seed, data order and step seeds)

In VS Code: **HELENE: Start HELENE run** and pick \`helene.helene.json\`; the run panel shows loss, eval,
and the per-layer curvature table and heatmap live. Then start \`mezo.helene.json\` and compare both
in the HELENE runs view.

From a terminal: \`helene-studio train --config helene.helene.json\` (run folders land in \`runs/\`).
`,
  );
  return files;
}
