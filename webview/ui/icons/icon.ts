/** A codicon as an inline SVG element (no font, no URL: works offline and under a strict CSP). */
import { SVG_NS } from '../dom';
import { CODICONS, type CodiconName, type IconPath } from './codicons';

export type { CodiconName };

export function icon(name: CodiconName, label?: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', `codicon codicon-${name}`);
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('fill', 'currentColor');
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else {
    svg.setAttribute('aria-hidden', 'true');
  }
  const paths: IconPath[] = CODICONS[name];
  for (const p of paths) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', p.d);
    if (p.evenodd) {
      path.setAttribute('fill-rule', 'evenodd');
      path.setAttribute('clip-rule', 'evenodd');
    }
    svg.append(path);
  }
  return svg;
}
