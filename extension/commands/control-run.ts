/** Pause, Resume, Stop and Change hyperparameters: sent to the runtime, applied at its next step boundary. */
import * as vscode from 'vscode';
import type { ControlCommand } from '../../runtime/protocol';
import { parseHyperparameterInput } from '../hyperparameter-input';
import type { RunSession } from '../run-session';
import type { Services } from '../services';
import { pickLiveRun } from './pick-run';

function deliver(services: Services, session: RunSession, command: ControlCommand): boolean {
  const sent = session.process.send(command);
  if (!sent.ok) {
    void vscode.window.showErrorMessage(`Could not ${command.type} "${session.name}": ${sent.reason}`);
    return false;
  }
  services.output.info(`[${session.name}] sent ${command.type}${command.type === 'set-hyperparameters' ? ` ${JSON.stringify(command.values)}` : ''} (applies at the next step)`);
  return true;
}

export function controlCommand(services: Services, type: 'pause' | 'resume' | 'stop') {
  return async (arg?: unknown): Promise<boolean> => {
    // Stamped on arrival (before any pick): the run records it with the runtime's own stamps.
    const hostAt = Date.now();
    const session = await pickLiveRun(services.registry, arg, type);
    return session ? deliver(services, session, { type, trace: { hostAt } }) : false;
  };
}

export function setHyperparametersCommand(services: Services) {
  // The second argument ("lr=0.001 eps=0.002"), when given (keybindings, other extensions, tests),
  // skips the input box; it is validated exactly like typed input.
  return async (arg?: unknown, given?: unknown): Promise<boolean> => {
    const session = await pickLiveRun(services.registry, arg, 'change');
    if (!session) return false;
    if (typeof given === 'string') {
      const parsed = parseHyperparameterInput(given);
      if (!parsed.ok) {
        void vscode.window.showErrorMessage(`HELENE: ${parsed.reason}`);
        return false;
      }
      return deliver(services, session, { type: 'set-hyperparameters', values: parsed.value });
    }
    const text = await vscode.window.showInputBox({
      title: `HELENE: change hyperparameters of "${session.name}"`,
      prompt: 'key=value pairs, applied at the next step (lr, eps, kappa, lambda, k, T, gamma, beta1, beta2, weightDecay, rho)',
      placeHolder: 'lr=0.0005 eps=0.001',
      ignoreFocusOut: true,
      validateInput: (value) => {
        const parsed = parseHyperparameterInput(value);
        return parsed.ok ? undefined : parsed.reason;
      },
    });
    if (text === undefined) return false;
    const parsed = parseHyperparameterInput(text);
    if (!parsed.ok) return false;
    return deliver(services, session, { type: 'set-hyperparameters', values: parsed.value });
  };
}
