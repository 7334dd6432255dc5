/**
 * What "HELENE: Check GPU" says in its notification, from the doctor's report (vscode-free, unit
 * tested). The notification carries the verdict and the reasons per GPU provider (CUDA, WebGPU);
 * the install steps (long commands and paths) go to the Output channel behind "Show details",
 * because VS Code cuts a notification's message at 1000 characters and the end of the steps
 * ("then reload the window") was lost.
 */

export interface DoctorVerdict {
  cudaWorks: boolean;
  /** Absent in reports of runtimes older than the WebGPU provider. */
  webgpuWorks?: boolean;
  /** Doctor lines: a finding per provider at the start ("CUDA provider: …"), its reasons indented by 2, install steps by 4. */
  verdict: string[];
  probe: { gpus: string[] };
}

/** VS Code truncates longer notification messages (NotificationViewItem's MAX_MESSAGE_LENGTH). */
export const NOTIFICATION_MAX_CHARS = 1000;

const STEP_INDENT = '    ';
const REASON_INDENT = '  ';

/** The reason lines (not the steps) under the finding that starts with `finding`. */
function reasonsOf(verdict: string[], finding: string): string[] {
  const start = verdict.findIndex((l) => l.startsWith(finding));
  if (start < 0) return [];
  const reasons: string[] = [];
  for (const line of verdict.slice(start + 1)) {
    if (!line.startsWith(REASON_INDENT)) break;
    if (!line.startsWith(STEP_INDENT)) reasons.push(line.trim().replace(/To install them:$/, 'Show details lists the steps to install them for this installation.'));
  }
  return reasons;
}

export function gpuCheckHeadline(report: DoctorVerdict): string {
  if (report.cudaWorks) {
    return `CUDA works${report.probe.gpus.length ? ` on ${report.probe.gpus.join(', ')}` : ''}: runs with provider "auto" use the GPU.`;
  }
  const cuda = ['CUDA:', ...reasonsOf(report.verdict, 'CUDA provider:')];
  const webgpu = report.webgpuWorks ? [] : ['WebGPU:', ...reasonsOf(report.verdict, 'WebGPU provider:')];
  const lead = report.webgpuWorks
    ? 'CUDA is not usable here; WebGPU works, so runs with provider "auto" use the GPU through WebGPU.'
    : `${report.webgpuWorks === undefined ? 'CUDA is' : 'Neither CUDA nor WebGPU is'} usable here; runs use the CPU.`;
  const text = [lead, ...cuda, ...webgpu].join(' ').replace(/\s+/g, ' ').trim();
  return text.length <= NOTIFICATION_MAX_CHARS ? text : `${text.slice(0, NOTIFICATION_MAX_CHARS - 40).trimEnd()}… (the rest: Show details)`;
}
