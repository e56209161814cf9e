/**
 * The page's buttons: tools (an icon, the label as its tooltip), actions (an icon and a label),
 * and buttons that name an object and select it.
 */
import type { ViewNode } from '../../protocol/heapView';
import { displayType, shortType } from '../model/format';
import { h } from './dom';
import { icon, type CodiconName } from './icons/icon';
import './controls.css';

/** A tool: an icon, with text beside it when given. */
export function toolButton(
  name: CodiconName,
  label: string,
  onClick: () => void,
  opts: { testId?: string; text?: string; pressed?: boolean } = {},
): HTMLButtonElement {
  return h(
    'button',
    {
      class: `tool${opts.text ? ' with-text' : ''}`,
      attrs: {
        type: 'button',
        title: label,
        'aria-label': label,
        'data-testid': opts.testId,
        'aria-pressed': opts.pressed === undefined ? undefined : String(opts.pressed),
      },
      on: { click: onClick },
    },
    icon(name),
    opts.text ? h('span', null, opts.text) : null,
  );
}

/** A button with an icon and a label (the details panel's actions). */
export function actionButton(
  name: CodiconName,
  text: string,
  onClick: () => void,
  opts: { title?: string; testId?: string; pressed?: boolean; disabled?: boolean } = {},
): HTMLButtonElement {
  return h(
    'button',
    {
      class: 'action',
      attrs: {
        type: 'button',
        title: opts.title ?? text,
        'data-testid': opts.testId,
        'aria-pressed': opts.pressed === undefined ? undefined : String(opts.pressed),
        disabled: opts.disabled,
      },
      on: { click: onClick },
    },
    icon(name),
    h('span', null, text),
  );
}

/** A button naming an object (its label and type) that selects it. */
export function objectButton(n: ViewNode, go: (id: number) => void, drawn: boolean): HTMLElement {
  return h(
    'button',
    {
      class: `ref-target${n.unreachable ? ' error-text' : ''}`,
      attrs: {
        type: 'button',
        title: `${n.type} at ${n.address}${drawn ? '' : ' (not drawn yet: selecting adds it)'}`,
      },
      on: { click: () => go(n.id) },
    },
    n.label || shortType(n.type),
    n.label && n.label !== shortType(n.type)
      ? h('span', { class: 'muted' }, ` ${displayType(n.type)}`)
      : null,
  );
}
