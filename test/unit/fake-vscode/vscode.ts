/**
 * The few 'vscode' API pieces the run panel's host side uses, with VS Code's own behaviour where it
 * matters to the tests: a disposed WebviewPanel throws "Webview is disposed" on reveal, html and
 * postMessage (as ExtHostWebview's assertNotDisposed does), onDidDispose fires once when the tab
 * closes, and cspSource is VS Code's real multi-token value unless a test sets another. Installed as the 'vscode' module by
 * install-fake-vscode.ts.
 */
type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
}

export class Disposable {
  constructor(private readonly fn: () => void) {}
  dispose(): void {
    this.fn();
  }
}

export class Uri {
  private constructor(readonly fsPath: string) {}
  static file(p: string): Uri {
    return new Uri(p);
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return new Uri([base.fsPath, ...segments].join('/'));
  }
  toString(): string {
    return `file://${this.fsPath}`;
  }
}

export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}

/** What the panels of a test did; `failNextHtml` makes the next page build throw (an unexpected failure). */
export const fakeState = {
  created: [] as FakeWebviewPanel[],
  failNextHtml: null as Error | null,
  /**
   * VS Code's real value (code-server 4.100 / VS Code 1.100) has two tokens. The CSP builder's
   * handling of it is tested in webview-panel-html.test.ts; a test about something else may set one token.
   */
  cspSource: "'self' https://*.vscode-cdn.net",
  errorMessages: [] as string[],
  infoMessages: [] as string[],
  /** What the next showOpenDialog calls answer (undefined: the user cancelled). */
  openDialogAnswers: [] as (Uri[] | undefined)[],
  /** Every commands.executeCommand call, as [id, ...args]. */
  executedCommands: [] as unknown[][],
  /** Every showInputBox's options, in order (title, value, validateInput, ...). */
  inputBoxes: [] as InputBoxOptions[],
  /** What the next showInputBox calls answer (undefined: Escape). */
  inputAnswers: [] as (string | undefined)[],
  /** What the next showQuickPick calls pick, by label (undefined: Escape). */
  quickPickAnswers: [] as (string | undefined)[],
  /** Every showQuickPick call: the labels offered and the options. */
  quickPicks: [] as { labels: string[]; title?: string; placeHolder?: string }[],
  /** The workspace files findFiles knows, as workspace-relative paths, and the folder they are in. */
  workspaceRoot: '/',
  workspaceFiles: [] as string[],
};

export interface InputBoxOptions {
  title?: string;
  prompt?: string;
  value?: string;
  validateInput?: (value: string) => unknown;
}

function assertNotDisposed(panel: FakeWebviewPanel): void {
  if (panel.isDisposed) throw new Error('Webview is disposed');
}

export class FakeWebviewPanel {
  isDisposed = false;
  visible = true;
  iconPath: unknown;
  reveals = 0;
  readonly posted: unknown[] = [];
  private readonly disposeEmitter = new EventEmitter<void>();
  private readonly viewStateEmitter = new EventEmitter<unknown>();
  private readonly messageEmitter = new EventEmitter<unknown>();
  private htmlValue = '';
  readonly onDidDispose = this.disposeEmitter.event;
  readonly onDidChangeViewState = this.viewStateEmitter.event;
  readonly webview = {
    get cspSource(): string {
      return fakeState.cspSource;
    },
    options: {} as unknown,
    asWebviewUri: (uri: Uri) => uri,
    onDidReceiveMessage: this.messageEmitter.event,
    postMessage: async (message: unknown) => {
      assertNotDisposed(this);
      this.posted.push(message);
      return true;
    },
    get html(): string {
      return panelOf(this).htmlValue;
    },
    set html(value: string) {
      const panel = panelOf(this);
      assertNotDisposed(panel);
      if (fakeState.failNextHtml) {
        const e = fakeState.failNextHtml;
        fakeState.failNextHtml = null;
        throw e;
      }
      panel.htmlValue = value;
    },
  };

  constructor(readonly viewType: string, readonly title: string) {
    owners.set(this.webview, this);
  }

  reveal(): void {
    assertNotDisposed(this);
    this.reveals++;
  }

  /** The page posts an intent (what the webview's acquireVsCodeApi().postMessage does). */
  receive(message: unknown): void {
    this.messageEmitter.fire(message);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.disposeEmitter.fire();
  }
}

const owners = new WeakMap<object, FakeWebviewPanel>();
function panelOf(webview: object): FakeWebviewPanel {
  return owners.get(webview)!;
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export const window = {
  withProgress: async <R>(_options: unknown, task: (progress: { report(v: unknown): void }, token: { onCancellationRequested(f: () => void): void }) => Promise<R>) =>
    task({ report: () => undefined }, { onCancellationRequested: () => undefined }),
  createWebviewPanel(viewType: string, title: string): FakeWebviewPanel {
    const panel = new FakeWebviewPanel(viewType, title);
    fakeState.created.push(panel);
    return panel;
  },
  registerWebviewPanelSerializer: () => new Disposable(() => undefined),
  showErrorMessage: async (message: string) => {
    fakeState.errorMessages.push(message);
    return undefined;
  },
  showInformationMessage: async (message: string) => {
    fakeState.infoMessages.push(message);
    return undefined;
  },
  showOpenDialog: async () => fakeState.openDialogAnswers.shift(),
  showInputBox: async (options: InputBoxOptions) => {
    fakeState.inputBoxes.push(options);
    return fakeState.inputAnswers.shift();
  },
  showQuickPick: async <T extends { label: string }>(items: T[] | Promise<T[]>, options?: { title?: string; placeHolder?: string }) => {
    fakeState.quickPicks.push({ labels: (await items).map((i) => i.label), title: options?.title, placeHolder: options?.placeHolder });
    const label = fakeState.quickPickAnswers.shift();
    return label === undefined ? undefined : (await items).find((i) => i.label === label);
  },
};

/** findFiles matches the listed files with a glob's last segment only (enough for "**\/*.onnx"). */
export const workspace = {
  findFiles: async (glob: string) => {
    const last = glob.split('/').pop() ?? '';
    const re = new RegExp(`^${last.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    return fakeState.workspaceFiles.filter((f) => re.test(f.split('/').pop() ?? '')).map((f) => Uri.file(`${fakeState.workspaceRoot}/${f}`));
  },
  asRelativePath: (uri: Uri) => uri.fsPath.slice(fakeState.workspaceRoot.length + 1),
};

export const commands = {
  executeCommand: async (id: string, ...args: unknown[]) => {
    fakeState.executedCommands.push([id, ...args]);
    return undefined;
  },
};
