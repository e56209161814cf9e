/**
 * Tiny DOM builders. Every string child becomes a text node and attributes are set with
 * setAttribute: nothing here ever parses HTML, so Python-derived strings are always inert text.
 */
import type { Rich } from '../model/verdict';

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** Attributes, set with setAttribute (never event handlers: use `on`). */
  attrs?: Record<string, string | number | boolean | null | undefined>;
  on?: Partial<Record<keyof HTMLElementEventMap, (ev: Event) => void>>;
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
}

function setAttrs(el: Element, attrs: Props['attrs']): void {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (k.toLowerCase().startsWith('on')) throw new Error(`refusing inline handler attribute ${k}`);
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  setAttrs(el, props?.attrs);
  for (const [type, fn] of Object.entries(props?.on ?? {})) {
    if (fn) el.addEventListener(type, fn);
  }
  append(el, children);
  return el;
}

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Props['attrs'] = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Rich text (verdict segments): plain strings and `<code>` runs, all as text nodes. */
export function rich(text: Rich): Node[] {
  return text.map((seg) =>
    typeof seg === 'string' ? document.createTextNode(seg) : h('code', null, seg.code),
  );
}
