/**
 * What "HELENE: Check GPU" says in its notification, from the doctor's report (vscode-free, unit
 * tested). The notification carries the verdict and the reasons; the install steps (long commands
 * and paths) go to the Output channel behind "Show details", because VS Code cuts a notification's
 * message at 1000 characters and the end of the steps ("then reload the window") was lost.
 */

export interface DoctorVerdict {
  cudaWorks: boolean;
  /** Doctor lines: a finding at the start, its reasons indented by 2, install steps by 4. */
  verdict: string[];
  probe: { gpus: string[] };
}

/** VS Code truncates longer notification messages (NotificationViewItem's MAX_MESSAGE_LENGTH). */
export const NOTIFICATION_MAX_CHARS = 1000;

const STEP_INDENT = '    ';
const REASON_INDENT = '  ';

export function gpuCheckHeadline(report: DoctorVerdict): string {
  if (report.cudaWorks) {
    return `CUDA works${report.probe.gpus.length ? ` on ${report.probe.gpus.join(', ')}` : ''}: runs with provider "auto" use the GPU.`;
  }
  const reasons = report.verdict
    .filter((l) => l.startsWith(REASON_INDENT) && !l.startsWith(STEP_INDENT))
    .map((l) => l.trim().replace(/To install them:$/, 'Show details lists the steps to install them for this installation.'));
  const text = ['CUDA is not usable here; runs use the CPU.', ...reasons].join(' ').replace(/\s+/g, ' ').trim();
  return text.length <= NOTIFICATION_MAX_CHARS ? text : `${text.slice(0, NOTIFICATION_MAX_CHARS - 40).trimEnd()}… (the rest: Show details)`;
}
