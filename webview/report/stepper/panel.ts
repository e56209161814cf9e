/**
 * The stepper's panel above the graph: the toggle in the toolbar, the head (gc.collect(N), the
 * phase controls and pills, "Run for real" or what is running, close) and the body (the phase's
 * text, phaseText.ts, then a failed run or how to run one). `render` brings it in line with the
 * session.
 */
import type { Overlay } from '../../graph/highlight';
import { h, type Child } from '../../ui/dom';
import { toolButton } from '../../ui/buttons';
import { icon, type CodiconName } from '../../ui/icons/icon';
import type { PhaseTone } from './phases';
import { phaseText } from './phaseText';
import { currentGeneration, currentPhase, type StepperHost, type StepperSession } from './session';

export interface PanelActions {
  toggle(): void;
  setGeneration(g: number): void;
  /** Goes to phase `i` (0…8). */
  go(i: number): void;
  /** One phase back (−1) or forward (+1). */
  step(delta: -1 | 1): void;
  togglePlay(): void;
  close(): void;
  /** Panel: run the collection in the program. */
  run(): void;
  /** From the view after a collection: step through the next one, or show the capture again. */
  stepAfter(): void;
}

export interface StepperPanel {
  readonly toggle: HTMLButtonElement;
  readonly element: HTMLElement;
  render(s: StepperSession, host: StepperHost, overlay: Overlay<PhaseTone> | null): void;
}

export function createPanel(act: PanelActions): StepperPanel {
  const toggle = h(
    'button',
    {
      class: 'tool with-text',
      attrs: {
        type: 'button',
        title: 'Step through a gc.collect() on this heap, phase by phase',
        'aria-label': 'Step through gc.collect()',
        'aria-pressed': 'false',
        'data-testid': 'stepper-toggle',
      },
      on: { click: () => act.toggle() },
    },
    icon('debug-step-over'),
    h('span', null, 'Step gc.collect()'),
  );
  const element = h('section', {
    class: 'stepper',
    attrs: { 'data-testid': 'stepper', 'aria-label': 'Collector stepper', hidden: true },
  });

  const generationButtons = [0, 1, 2].map((g) =>
    h(
      'button',
      {
        class: 'seg',
        attrs: {
          type: 'button',
          'aria-pressed': 'false',
          'data-testid': `stepper-gen-${g}`,
          title:
            g === 2
              ? 'gc.collect() / gc.collect(2): a full collection, every generation'
              : `gc.collect(${g}): generations 0–${g} only; older ones count as outside`,
        },
        on: { click: () => act.setGeneration(g) },
      },
      String(g),
    ),
  );
  const control = (
    name: CodiconName,
    label: string,
    testId: string,
    onClick: () => void,
  ): HTMLButtonElement => toolButton(name, label, onClick, { testId });
  const prev = control('chevron-left', 'Previous phase (,)', 'stepper-prev', () => act.step(-1));
  const next = control('chevron-right', 'Next phase (.)', 'stepper-next', () => act.step(1));
  const play = control('play', 'Play the phases', 'stepper-play', () => act.togglePlay());
  const pills = Array.from({ length: 9 }, (_, i) =>
    h(
      'button',
      {
        class: 'pill-step',
        attrs: { type: 'button', 'data-testid': `stepper-phase-${i + 1}` },
        on: { click: () => act.go(i) },
      },
      String(i + 1),
    ),
  );
  const closeButton = control('close', 'Close the stepper', 'stepper-close', () => act.close());
  const runSlot = h('span', { class: 'stepper-run' });
  const head = h(
    'div',
    { class: 'stepper-head' },
    h(
      'span',
      { class: 'stepper-call', attrs: { role: 'group', 'aria-label': 'Generation' } },
      h('code', null, 'gc.collect('),
      ...generationButtons,
      h('code', null, ')'),
    ),
    h(
      'span',
      { class: 'stepper-controls', attrs: { role: 'group', 'aria-label': 'Phases' } },
      prev,
      play,
      next,
    ),
    h(
      'span',
      { class: 'stepper-pills', attrs: { role: 'group', 'aria-label': 'Phase' } },
      ...pills,
    ),
    runSlot,
    h('span', { class: 'spacer' }),
    closeButton,
  );
  const body = h('div', { class: 'stepper-body' });
  element.append(head, body);

  function render(s: StepperSession, host: StepperHost, overlay: Overlay<PhaseTone> | null): void {
    const { generation, phase, playing } = s;
    generationButtons.forEach((b, g) => b.setAttribute('aria-pressed', String(g === generation)));
    pills.forEach((b, i) => {
      if (i === phase) b.setAttribute('aria-current', 'step');
      else b.removeAttribute('aria-current');
      const info = currentGeneration(s)?.phases[i];
      b.title = info ? `${info.step}. ${info.title}` : `Phase ${i + 1}`;
    });
    prev.disabled = phase === 0;
    next.disabled = phase === 8;
    play.replaceChildren(icon(playing ? 'debug-pause' : 'play'));
    play.setAttribute('aria-label', playing ? 'Pause' : 'Play the phases');
    play.title = playing ? 'Pause' : 'Play the phases';
    element.dataset.generation = String(generation);
    element.dataset.phase = String(phase + 1);
    element.dataset.phaseId = currentPhase(s)?.id ?? '';
    element.dataset.ready = s.data ? 'true' : 'false';
    element.closest('.hi-app')?.classList.toggle('stepping', s.open);
    const parts: Child[] = [...phaseText(s, host, overlay, act.stepAfter), notices(s, host)];
    runSlot.replaceChildren(...runControls(s, host, act.run));
    body.replaceChildren(
      ...parts
        .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
        .map((c) => (typeof c === 'number' ? String(c) : c)),
    );
  }

  return { toggle, element, render };
}

/** The head's part: "Run gc.collect(N) for real" (panel), or what is running with Cancel. */
function runControls(s: StepperSession, host: StepperHost, run: () => void): HTMLElement[] {
  if (host.mode !== 'panel') return [];
  const { running, generation } = s;
  if (running) {
    return [
      h(
        'span',
        { class: 'running', attrs: { 'data-testid': 'collection-running', role: 'status' } },
        icon('refresh'),
        h('span', null, running.message),
      ),
      h(
        'button',
        {
          class: 'action',
          attrs: { type: 'button', 'data-testid': 'cancel-collection' },
          on: { click: () => host.post({ type: 'cancelCollection' }) },
        },
        icon('debug-stop'),
        h('span', null, 'Cancel'),
      ),
    ];
  }
  return [
    h(
      'button',
      {
        class: 'action primary',
        attrs: {
          type: 'button',
          'data-testid': 'run-collection',
          title: `Run gc.collect(${generation}) in the program, then compare what CPython's collector found with this prediction`,
        },
        on: {
          click: run,
        },
      },
      icon('beaker'),
      h('span', null, `Run gc.collect(${generation}) for real`),
    ),
  ];
}

/** The body's last part: a failed or cancelled collection, or (report) how to run one. */
function notices(s: StepperSession, host: StepperHost): HTMLElement {
  const { failure, reality, generation } = s;
  const row = h('div', { class: 'stepper-actions' });
  if (failure) {
    row.append(
      h(
        'p',
        {
          class: failure.state === 'failed' ? 'stepper-failure error-text' : 'stepper-failure',
          attrs: { 'data-testid': 'collection-failure', role: 'alert' },
        },
        icon(failure.state === 'failed' ? 'error' : 'info'),
        h('span', null, failure.message),
      ),
    );
  }
  if (host.mode === 'report' && reality && reality.comparison.generation !== generation) {
    row.append(
      h(
        'p',
        { class: 'muted' },
        `This report ran gc.collect(${reality.comparison.generation}) for real; for gc.collect(${generation}), run `,
        h('code', null, `heap-inspector step --generation ${generation} --html …`),
        '.',
      ),
    );
  } else if (host.mode === 'report' && !reality) {
    row.append(
      h(
        'p',
        { class: 'muted' },
        'To run it for real and compare: ',
        h('code', null, `heap-inspector step --generation ${generation} --html REPORT …`),
        ', or the stepper in VS Code.',
      ),
    );
  }
  return row;
}
