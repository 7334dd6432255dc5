/**
 * Run panel entry point (bundled to dist/webview/panel.js, an iife). Flow:
 *   1. post {type:'ready'} (handshake) and show "waiting";
 *   2. on 'snapshot' build the panel and fold the records into the view model;
 *   3. fold 'append' / 'status' / 'notice' as they come and redraw what changed, at most once per
 *      animation frame.
 * The panel only ever posts WebviewIntent messages; the extension owns the run.
 */
import { registerChartParts } from '../charts';
import { readThemeColours, watchThemeChanges, type ThemeColours } from '../theme';
import { registerUiKit } from '../ui-kit';
import { createChartPanels, type ChartPanels } from './chart-panels';
import { installDebugHook } from './debug-hook';
import { FrameScheduler } from './frame-scheduler';
import { createHeatmapView, type HeatmapView } from './heatmap-view';
import { defaultHeatmapStat, isHeatmapStatKey, type HeatmapStatKey } from './heatmap-model';
import { asHostMessage } from './host-message';
import { createHyperparameterForm, type HyperparameterForm } from './hyperparameter-form';
import { createLayerTable, type LayerTable } from './layer-table';
import { createLayerToolbar, type LayerToolbar } from './layer-toolbar';
import { GROUP_BY_DEFAULT_ABOVE, heatmapRows, layerRows, type LayerViewOptions } from './layer-groups';
import { createNoticeList, type NoticeList } from './notices';
import { createRunControls, type RunControls } from './run-controls';
import { createStatusHeader, type StatusHeader } from './status-header';
import { panelHost } from './vscode-api';
import { DEFAULT_X_AXIS, isXAxis, type XAxis } from './x-axis';
import { NO_CHANGES, applyMessage, controlAvailability, createViewModel, statusView, type Changes } from './view-model';

const STATE_KEY_HEATMAP_STAT = 'heatmapStat';
const STATE_KEY_X_AXIS = 'xAxis';
const STATE_KEY_LAYER_VIEW = 'layerView';

function isLayerViewOptions(v: unknown): v is LayerViewOptions {
  const o = v as LayerViewOptions | undefined;
  return typeof o === 'object' && o !== null && typeof o.filter === 'string' && typeof o.groupByBlock === 'boolean';
}

interface PanelUi {
  status: StatusHeader;
  controls: RunControls;
  form: HyperparameterForm;
  notices: NoticeList;
  charts: ChartPanels;
  layerToolbar: LayerToolbar;
  heatmap: HeatmapView;
  layers: LayerTable;
}

function start(): void {
  const host = panelHost();
  registerUiKit();
  registerChartParts();

  const root = document.getElementById('app') ?? document.body;
  const vm = createViewModel();
  const saved = host.readState()[STATE_KEY_HEATMAP_STAT];
  // Unset until the first snapshot says which optimizer runs (see buildUi), unless the user chose one.
  let heatmapStat: HeatmapStatKey | null = isHeatmapStatKey(saved) ? saved : null;
  const savedAxis = host.readState()[STATE_KEY_X_AXIS];
  const xAxis: XAxis = isXAxis(savedAxis) ? savedAxis : DEFAULT_X_AXIS;
  const savedLayerView = host.readState()[STATE_KEY_LAYER_VIEW];
  // Unset until the first snapshot says how many tensors the model trains (see buildUi).
  let layerView: LayerViewOptions | null = isLayerViewOptions(savedLayerView) ? savedLayerView : null;
  let theme: ThemeColours = readThemeColours();
  let ui: PanelUi | null = null;
  let renders = 0;
  let messages = 0;

  // Notices can arrive before any snapshot (an unreadable run folder), so they live outside the panel.
  const earlyNotices = createNoticeList(root);

  function buildUi(): PanelUi {
    root.querySelector('#waiting')?.remove();
    root.setAttribute('aria-busy', 'false');
    const status = createStatusHeader(root);
    const controlsRow = document.createElement('section');
    controlsRow.className = 'controls-row';
    controlsRow.setAttribute('aria-label', 'Controls');
    root.appendChild(controlsRow);
    const controls = createRunControls(controlsRow, host.post);
    const form = createHyperparameterForm(controlsRow, host.post);
    // The x axis is a view choice: remembered in the webview state, applied without the host.
    const charts = createChartPanels(root, theme, xAxis, (axis) => {
      host.writeState({ [STATE_KEY_X_AXIS]: axis });
      scheduler.schedule({ ...NO_CHANGES, charts: true });
    });
    layerView ??= { filter: '', groupByBlock: (vm.manifest?.model.trainables.length ?? 0) > GROUP_BY_DEFAULT_ABOVE };
    const layerToolbar = createLayerToolbar(root, layerView, (options) => {
      layerView = options;
      host.writeState({ [STATE_KEY_LAYER_VIEW]: options });
      scheduler.schedule({ ...NO_CHANGES, heatmap: true, layers: true });
    });
    const initialStat = (heatmapStat ??= defaultHeatmapStat(vm.manifest?.config.optimizer.name));
    const heatmap = createHeatmapView(root, initialStat, (key) => {
      heatmapStat = key;
      host.writeState({ [STATE_KEY_HEATMAP_STAT]: key });
      scheduler.schedule({ ...NO_CHANGES, heatmap: true });
    });
    const layers = createLayerTable(root);
    return { status, controls, form, notices: earlyNotices, charts, layerToolbar, heatmap, layers };
  }

  function draw(changes: Changes): void {
    if (changes.notices) earlyNotices.update(vm.notices);
    if (!vm.hasSnapshot) return;
    ui ??= buildUi();
    renders++;
    if (changes.status) {
      ui.status.update(statusView(vm));
    }
    if (changes.status || changes.hyperparameters) {
      const available = controlAvailability(vm);
      ui.controls.update(available);
      ui.form.update(vm.hyperparameters, available.hyperparameters, vm.manifest?.config.optimizer.name ?? null);
    }
    if (changes.charts) ui.charts.update(vm, theme);
    const view = layerView!;
    if (changes.layers || changes.heatmap) {
      const total = vm.heatmap.layers.length || vm.layers?.rows.length || 0;
      const rows = vm.layers ? layerRows(vm.layers.rows, view) : null;
      const shown = rows ? rows.shown : total;
      const parts = [view.filter.trim() ? `${shown} of ${total} tensors match` : `${total} tensors`];
      if (view.groupByBlock && rows) parts.push(`${rows.rows.length} rows in the table`);
      ui.layerToolbar.setSummary(parts.join(' · '));
      if (changes.layers) ui.layers.update(vm.layers && rows ? { t: vm.layers.t, rows: rows.rows } : null);
    }
    if (changes.heatmap) ui.heatmap.update(heatmapRows(vm.heatmap.matrix(heatmapStat!), view), theme);
  }

  const scheduler = new FrameScheduler(draw);

  window.addEventListener('message', (event: MessageEvent) => {
    const msg = asHostMessage(event.data);
    if (!msg) return;
    messages++;
    // Remember which run this panel shows: the host's serializer restores it after a reload.
    if ((msg.type === 'snapshot' || msg.type === 'snapshot-json') && msg.runDir) host.writeState({ runDir: msg.runDir });
    scheduler.schedule(applyMessage(vm, msg));
  });

  watchThemeChanges(() => {
    theme = readThemeColours();
    if (!ui) return;
    ui.charts.retheme(theme);
    // The run's colour chip has a light and a dark shade.
    scheduler.schedule({ ...NO_CHANGES, status: true, charts: true, heatmap: true });
  });

  installDebugHook({
    renders: () => renders,
    messages: () => messages,
    chartData: () => ui?.charts.debugData() ?? null,
    chartMarkers: () => ui?.charts.debugMarkers() ?? null,
    chartMarkerStyles: () => ui?.charts.debugMarkerStyles() ?? null,
    chartXs: () => (ui ? { axis: ui.charts.xAxis, charts: ui.charts.debugXs() } : null),
    heatmap: () => (ui && heatmapStat ? { ...ui.heatmap.size, stat: heatmapStat } : null),
    chartMarkerLayout: () => ui?.charts.debugMarkerLayout() ?? null,
    chartGeometry: () => ui?.charts.debugGeometry() ?? null,
    chartTheme: () => ui?.charts.debugTheme() ?? null,
  });

  // Handshake last: every listener is in place before the host can answer.
  host.post({ type: 'ready' });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
