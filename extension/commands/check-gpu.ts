/**
 * HELENE: Check GPU — runs `helene-studio doctor --json` in a child process (onnxruntime never loads
 * into the extension host) and reports what the runtime really finds, in plain words.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { gpuCheckHeadline } from '../gpu-check-message';
import type { Services } from '../services';

interface DoctorJson {
  cpuWorks: boolean;
  cudaWorks: boolean;
  webgpuWorks?: boolean;
  verdict: string[];
  probe: { gpus: string[] };
}

export function runCliJson<T>(services: Services, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(services.extensionPath, 'dist', 'cli.js'), args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out) as T);
      } catch {
        reject(new Error(`helene-studio ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-5).join('\n') || out.trim()}`));
      }
    });
  });
}

export function checkGpuCommand(services: Services) {
  return async (): Promise<DoctorJson | undefined> => {
    try {
      const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'HELENE: checking the GPU…' }, () =>
        runCliJson<DoctorJson>(services, ['doctor', '--json']),
      );
      for (const line of report.verdict) services.output.info(`doctor: ${line}`);
      const action = await vscode.window.showInformationMessage(gpuCheckHeadline(report), 'Show details');
      if (action) services.output.show();
      return report;
    } catch (e) {
      services.output.error((e as Error).message);
      void vscode.window.showErrorMessage(`HELENE: the GPU check failed: ${(e as Error).message}`);
      return undefined;
    }
  };
}
