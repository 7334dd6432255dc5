/**
 * The short form's VS Code side: one input per answer (the eval file pre-filled from beside the
 * training file, skippable), each validated as it is typed by the
 * protocol schema (short-form.ts); the result is written to .helene/configs/<name>.helene.json.
 * At the lr step the user may run the learning-rate finder first (lr-suggestion.ts: a separate
 * runtime process, cancellable, probes in the output channel); its suggestion pre-fills the lr box.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_SCHEMA, ConfigError, OPTIMIZER_NAMES, type OptimizerName } from '../../runtime/protocol';
import { OPTIMIZER_PRESETS } from '../../runtime/optim/presets';
import { buildShortFormConfig, configName, freeConfigFile, numberFieldProblem, parseNumber, siblingEvalFile, SHORT_FORM_CONFIG_DIR, type ShortFormAnswers } from '../short-form';
import { EXCLUDED_FOLDERS } from '../config-discovery';
import { LR_FIND_BUDGET, lrFindChoiceLabel, startLrFind } from '../lr-suggestion';
import type { Output } from '../output';
import { inspectInProcess, type InspectionOutcome } from '../model-inspection';
import { trainChoices, type ModelSelection } from '../train-choices';

/** What the lr step needs to run the finder; without it the step is a plain input box. */
export interface LrFinderAccess {
  /** <extensionPath>/dist/cli.js */
  cliPath: string;
  output: Output;
}

const OPTIMIZER_DESCRIPTIONS: Record<OptimizerName, string> = {
  helene: 'annealed momentum + per-layer clipped diagonal curvature (2 passes/step)',
  mezo: 'zeroth-order SGD, the baseline (2 passes/step)',
  hizoo: 'diagonal Hessian from 3 passes/step',
  'zo-adam': 'Adam moments on the projected gradient (2 passes/step)',
  fzoo: 'N one-sided Rademacher directions (N + 1 passes/step)',
  'zo-sgd-sign': 'ZO-Bench: sign of the projected gradient times z (2 passes/step)',
  'zo-sgd-momentum': 'ZO-Bench: heavy-ball momentum on the SPSA gradient (2 passes/step)',
  'zo-sgd-cons': 'ZO-Bench: keeps the best of step, no step, opposite step (5 passes/step)',
  'sparse-mezo': 'MeZO perturbing only the smallest-magnitude weights (2 passes/step)',
  lozo: 'MeZO with low-rank perturbations U V^T (2 passes/step)',
};

function schemaDefault(section: string, key: string): string {
  const s = CONFIG_SCHEMA[section];
  const spec = s?.type === 'section' ? s.fields[key] : CONFIG_SCHEMA[key];
  const d = spec && spec.type === 'number' ? spec.default : undefined;
  return typeof d === 'number' ? String(d) : '';
}

async function firstMatch(glob: string): Promise<string> {
  const exclude = `{${EXCLUDED_FOLDERS.map((f) => `**/${f}/**`).join(',')}}`;
  const [uri] = await vscode.workspace.findFiles(glob, exclude, 1);
  return uri ? vscode.workspace.asRelativePath(uri, false) : '';
}

function pathProblem(root: string, value: string, what: string): string | undefined {
  const v = value.trim();
  if (!v) return `Enter the ${what} path`;
  if (v.startsWith('builtin:')) return undefined;
  return fs.existsSync(path.resolve(root, v)) ? undefined : `No file at ${path.resolve(root, v)}`;
}

/**
 * Run the finder on the answers so far (lr and steps at their defaults) from a temporary config.
 * Returns the lr box's initial value and prompt, or undefined to keep the defaults.
 */
async function findLr(root: string, answers: Omit<ShortFormAnswers, 'lr' | 'steps'>, access: LrFinderAccess): Promise<{ value: string; prompt: string } | undefined> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-lr-find-'));
  try {
    let configPath: string;
    try {
      const user = buildShortFormConfig({ ...answers, lr: Number(schemaDefault('optimizer', 'lr')) || 1e-3, steps: Number(schemaDefault('', 'steps')) || 1000 }, tmp, root, 'lr-find');
      configPath = path.join(tmp, 'lr-find.helene.json');
      fs.writeFileSync(configPath, JSON.stringify(user, null, 2) + '\n');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      void vscode.window.showErrorMessage(`Cannot search a learning rate: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      return undefined;
    }
    access.output.info(`lr-find: ${answers.optimizer} on ${answers.modelPath} with ${answers.trainPath}, budget ${LR_FIND_BUDGET} forward passes`);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Finding a learning rate', cancellable: true },
      (progress, token) => {
        const finder = startLrFind({
          cliPath: access.cliPath,
          configPath,
          cwd: root,
          onProgress: (line) => {
            access.output.info(`lr-find: ${line.trim()}`);
            const probe = /^lr\s+(\S+)\s+(stable|diverged|too high)/.exec(line.trim());
            if (probe) progress.report({ message: `lr ${probe[1]}: ${probe[2]}` });
          },
        });
        token.onCancellationRequested(() => finder.cancel());
        return finder.done;
      },
    );
    access.output[outcome.kind === 'suggested' ? 'info' : outcome.kind === 'cancelled' ? 'info' : 'warn'](`lr-find: ${outcome.message}`);
    if (outcome.kind === 'suggested') return { value: outcome.value, prompt: outcome.message };
    if (outcome.kind === 'cancelled') return undefined;
    const choice = await vscode.window.showWarningMessage(outcome.message, 'Show Output');
    if (choice === 'Show Output') access.output.show();
    return { value: schemaDefault('optimizer', 'lr'), prompt: `${outcome.message} Enter a learning rate.` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Returns the written config file, or undefined if the user cancelled. */
/**
 * The "what to train" step: the inspection (started when the model was answered) decides the task
 * and offers the trainable choices that fit the model. Undefined: cancelled or unreadable (said).
 */
async function pickWhatToTrain(pending: Promise<InspectionOutcome>, title: string, modelPath: string): Promise<ModelSelection | undefined> {
  const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Reading the model' }, () => pending);
  if (!outcome.ok) {
    void vscode.window.showErrorMessage(`Cannot read ${modelPath}: ${outcome.message}`);
    return undefined;
  }
  // Said now, not when the run starts: train would refuse this model with the same reasons.
  if (outcome.inspection.refusals?.length) {
    void vscode.window.showErrorMessage(`${modelPath} cannot be trained as it is: ${outcome.inspection.refusals.join('; ')}`);
    return undefined;
  }
  const choices = trainChoices(outcome.inspection);
  if (choices.length === 0) return {};
  const kind = outcome.inspection.task === 'causal-lm' ? 'causal LM' : outcome.inspection.task === 'classification' ? 'classifier' : 'model';
  const picked = await vscode.window.showQuickPick(choices, { ignoreFocusOut: true, title, placeHolder: `${modelPath} is a ${kind}: what should the run train?` });
  return picked?.selection;
}

export async function runShortForm(root: string, lrFinder?: LrFinderAccess): Promise<vscode.Uri | undefined> {
  const common = { ignoreFocusOut: true };
  // With the runtime at hand the form reads the model and asks what to train: one step more.
  const canInspect = !!lrFinder && fs.existsSync(lrFinder.cliPath);
  const total = canInspect ? 7 : 6;
  let n = 0;
  const title = (what: string, next = true) => `New HELENE run (${next ? ++n : n}/${total}): ${what}`;
  const modelPath = await vscode.window.showInputBox({
    ...common,
    title: title('model'),
    prompt: 'ONNX model, relative to the workspace folder (or builtin:<name>)',
    value: await firstMatch('**/*.onnx'),
    validateInput: (v) => pathProblem(root, v, 'model'),
  });
  if (modelPath === undefined) return undefined;
  const inspection = canInspect && !modelPath.trim().startsWith('builtin:') ? inspectInProcess(lrFinder!.cliPath, path.resolve(root, modelPath.trim()), root) : undefined;
  const trainPath = await vscode.window.showInputBox({
    ...common,
    title: title('training data'),
    prompt: 'JSON-lines training file, relative to the workspace folder',
    value: await firstMatch('**/*train*.jsonl'),
    validateInput: (v) => pathProblem(root, v, 'training data'),
  });
  if (trainPath === undefined) return undefined;
  // Without an eval file the run draws no eval curve: offer the one beside the training file.
  const evalPath = await vscode.window.showInputBox({
    ...common,
    title: title('evaluation data'),
    prompt: 'JSON-lines held-out file for the eval curve, relative to the workspace folder; leave empty to skip',
    value: siblingEvalFile(root, trainPath, fs.existsSync),
    validateInput: (v) => (v.trim() ? pathProblem(root, v, 'evaluation data') : undefined),
  });
  if (evalPath === undefined) return undefined;
  let selection: ModelSelection = {};
  if (canInspect) {
    const what = title('what to train');
    if (inspection) {
      const picked = await pickWhatToTrain(inspection, what, modelPath.trim());
      if (!picked) return undefined;
      selection = picked;
    }
  }
  const presetItems = OPTIMIZER_PRESETS.map((p) => ({ label: p.label, description: p.description, name: p.optimizer.name, preset: p.optimizer }));
  const otherItems = OPTIMIZER_NAMES.filter((name) => !OPTIMIZER_PRESETS.some((p) => p.id === name)).map((name) => ({ label: name, description: OPTIMIZER_DESCRIPTIONS[name], name, preset: { name } }));
  const optimizerItem = await vscode.window.showQuickPick([...presetItems, ...otherItems], { ...common, title: title('optimizer') });
  if (!optimizerItem) return undefined;
  const optimizer = optimizerItem.name;
  const optimizerPreset = optimizerItem.preset as Record<string, unknown>;
  let lrStart = { value: schemaDefault('optimizer', 'lr'), prompt: undefined as string | undefined };
  const lrTitle = title('learning rate');
  if (lrFinder && fs.existsSync(lrFinder.cliPath)) {
    const how = await vscode.window.showQuickPick(
      [
        { label: 'Enter a learning rate', description: `default ${lrStart.value}`, find: false },
        {
          label: lrFindChoiceLabel(),
          description: 'short probe runs in a separate process',
          detail: 'Probes the first steps of this run on an lr grid and suggests one grid point below the lr that lowered the loss most',
          find: true,
        },
      ],
      { ...common, title: lrTitle },
    );
    if (!how) return undefined;
    if (how.find) {
      const found = await findLr(root, { modelPath: modelPath.trim(), trainPath: trainPath.trim(), optimizer, optimizerPreset, selection }, lrFinder);
      if (found) lrStart = found;
    }
  }
  const lrText = await vscode.window.showInputBox({
    ...common,
    title: lrTitle,
    value: lrStart.value,
    prompt: lrStart.prompt,
    validateInput: (v) => numberFieldProblem('optimizer.lr', v, schemaDefault('optimizer', 'lr') || '0.001', optimizer),
  });
  if (lrText === undefined) return undefined;
  const stepsText = await vscode.window.showInputBox({
    ...common,
    title: title('steps'),
    value: schemaDefault('', 'steps'),
    validateInput: (v) => numberFieldProblem('steps', v, schemaDefault('', 'steps') || '1000', optimizer),
  });
  if (stepsText === undefined) return undefined;

  const answers = { modelPath: modelPath.trim(), trainPath: trainPath.trim(), evalPath: evalPath.trim(), optimizer, optimizerPreset, selection, lr: parseNumber(lrText), steps: parseNumber(stepsText) };
  const configDir = path.join(root, SHORT_FORM_CONFIG_DIR);
  let user;
  try {
    user = buildShortFormConfig(answers, configDir, root);
  } catch (e) {
    if (e instanceof ConfigError) {
      void vscode.window.showErrorMessage(e.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
      return undefined;
    }
    throw e;
  }
  const file = freeConfigFile(configDir, configName(answers), fs.existsSync);
  fs.mkdirSync(configDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(user, null, 2) + '\n');
  return vscode.Uri.file(file);
}
