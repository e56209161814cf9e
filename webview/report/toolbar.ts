/**
 * The toolbar above the graph: search, filters (builtins, standard library, debugger internals),
 * grouping, "Back" from a focus, the stepper's toggle, fit and zoom, export, and the theme menu
 * (HTML report) or Recapture (VS Code panel).
 */
import type { GroupBy } from '../graph/drawModel';
import type { Filters } from '../model/filters';
import { h } from '../ui/dom';
import { toolButton } from '../ui/buttons';
import { icon } from '../ui/icons/icon';
import './toolbar.css';

export interface ToolbarActions {
  filtersChanged(filters: Filters): void;
  groupByChanged(groupBy: GroupBy): void;
  unfocus(): void;
  fit(): void;
  zoomBy(factor: number): void;
  exportAs(format: 'svg' | 'png'): void;
  recapture(): void;
}

export interface Toolbar {
  readonly element: HTMLElement;
  readonly searchInput: HTMLInputElement;
  readonly searchCount: HTMLElement;
  readonly groupSelect: HTMLSelectElement;
  /** "Back to the whole view", shown while focused. */
  readonly backButton: HTMLButtonElement;
}

/** The theme menu of the HTML report (a VS Code panel follows VS Code's theme). */
function themeMenu(): HTMLSelectElement {
  const select = h(
    'select',
    { class: 'select', attrs: { 'aria-label': 'Colour theme', 'data-testid': 'theme' } },
    h('option', { attrs: { value: '' } }, 'Theme: system'),
    h('option', { attrs: { value: 'dark' } }, 'Dark'),
    h('option', { attrs: { value: 'light' } }, 'Light'),
    h('option', { attrs: { value: 'high-contrast' } }, 'High contrast'),
    h('option', { attrs: { value: 'high-contrast-light' } }, 'High contrast light'),
  );
  select.addEventListener('change', () => {
    if (select.value) document.documentElement.dataset.theme = select.value;
    else delete document.documentElement.dataset.theme;
  });
  return select;
}

export function createToolbar(o: {
  mode: 'report' | 'panel';
  filters: Filters;
  groupBy: GroupBy;
  search: string;
  stepperToggle: HTMLElement;
  act: ToolbarActions;
}): Toolbar {
  const { act } = o;
  let filters = o.filters;
  const searchInput = h('input', {
    class: 'text-input',
    attrs: {
      type: 'search',
      placeholder: 'Search type, label or address',
      'aria-label': 'Search objects by type, label or address (Enter: next match)',
      'data-testid': 'search',
      spellcheck: 'false',
    },
  });
  searchInput.value = o.search;
  const searchCount = h('span', {
    class: 'search-count muted',
    attrs: { 'data-testid': 'search-count', 'aria-live': 'polite' },
  });
  const filterButton = (key: keyof Filters, text: string, title: string): HTMLButtonElement => {
    const b = h(
      'button',
      {
        class: 'toggle',
        attrs: {
          type: 'button',
          title,
          'aria-pressed': String(filters[key]),
          'data-testid': `filter-${key}`,
        },
        on: {
          click: () => {
            filters = { ...filters, [key]: !filters[key] };
            b.setAttribute('aria-pressed', String(filters[key]));
            act.filtersChanged(filters);
          },
        },
      },
      text,
    );
    return b;
  };
  const groupSelect = h(
    'select',
    { class: 'select', attrs: { 'aria-label': 'Group objects', 'data-testid': 'group-by' } },
    h('option', { attrs: { value: 'none' } }, 'One by one'),
    h('option', { attrs: { value: 'type' } }, 'Group by type'),
    h('option', { attrs: { value: 'cycle' } }, 'Group cycles'),
  );
  groupSelect.value = o.groupBy;
  groupSelect.addEventListener('change', () => act.groupByChanged(groupSelect.value as GroupBy));
  const backButton = toolButton('arrow-left', 'Back to the whole view', act.unfocus, {
    testId: 'unfocus',
    text: 'Back',
  });
  backButton.hidden = true;
  const element = h(
    'div',
    { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Graph tools' } },
    h('label', { class: 'search-box' }, icon('search'), searchInput, searchCount),
    h(
      'span',
      { class: 'group', attrs: { role: 'group', 'aria-label': 'Filters' } },
      icon('filter'),
      filterButton(
        'hideBuiltins',
        'builtins',
        'Hide builtins (dict, list, str…); references through them are joined',
      ),
      filterButton('hideStdlib', 'stdlib', 'Hide standard library objects'),
      filterButton('hideDebugger', 'debugger', 'Hide debugger internals (debugpy, pydevd)'),
    ),
    groupSelect,
    backButton,
    h('span', { class: 'spacer' }),
    o.stepperToggle,
    toolButton('screen-full', 'Fit the graph in view (0)', act.fit, { testId: 'fit' }),
    toolButton('zoom-in', 'Zoom in (+)', () => act.zoomBy(1.4), { testId: 'zoom-in' }),
    toolButton('zoom-out', 'Zoom out (−)', () => act.zoomBy(1 / 1.4), { testId: 'zoom-out' }),
    toolButton('export', 'Export the current view as SVG', () => act.exportAs('svg'), {
      testId: 'export-svg',
      text: 'SVG',
    }),
    toolButton('file-media', 'Export the current view as PNG', () => act.exportAs('png'), {
      testId: 'export-png',
      text: 'PNG',
    }),
    o.mode === 'report'
      ? themeMenu()
      : toolButton('refresh', 'Capture the heap again', act.recapture, {
          testId: 'recapture',
          text: 'Recapture',
        }),
  );
  return { element, searchInput, searchCount, groupSelect, backButton };
}
