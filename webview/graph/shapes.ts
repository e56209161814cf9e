/**
 * Node shapes of the heap graph, one per TypeCategory, as SVG path data centred on (0, 0).
 * Shape and colour both encode the category so the graph stays readable without colour.
 */
import type { TypeCategory } from '../../protocol/snapshot';

/** Radius of each category's node (bigger for what users look for: their own objects). */
export const CATEGORY_RADIUS: Record<TypeCategory, number> = {
  instance: 12,
  container: 10,
  frame: 11,
  module: 12,
  class: 11,
  function: 10,
  weakref: 8,
  generator: 12,
  atom: 6,
  other: 7,
};

export const CATEGORY_LABEL: Record<TypeCategory, string> = {
  instance: 'instance',
  container: 'dict / list / tuple / set',
  frame: 'frame',
  module: 'module',
  class: 'class',
  function: 'function / method',
  weakref: 'weak reference',
  generator: 'generator / coroutine',
  atom: 'str / int / bytes…',
  other: 'other',
};

const f = (n: number): string => (Math.round(n * 100) / 100).toString();

function polygon(points: [number, number][]): string {
  return `M${points.map(([x, y]) => `${f(x)},${f(y)}`).join('L')}Z`;
}

function circle(r: number): string {
  return `M${f(r)},0A${f(r)},${f(r)} 0 1,1 ${f(-r)},0A${f(r)},${f(r)} 0 1,1 ${f(r)},0Z`;
}

function regular(sides: number, r: number, rotate = -Math.PI / 2): [number, number][] {
  return Array.from({ length: sides }, (_, i) => {
    const a = rotate + (i * 2 * Math.PI) / sides;
    return [r * Math.cos(a), r * Math.sin(a)];
  });
}

function roundedRect(w: number, h: number, rad: number): string {
  const x = -w / 2;
  const y = -h / 2;
  const q = Math.min(rad, w / 2, h / 2);
  return (
    `M${f(x + q)},${f(y)}H${f(x + w - q)}A${f(q)},${f(q)} 0 0,1 ${f(x + w)},${f(y + q)}` +
    `V${f(y + h - q)}A${f(q)},${f(q)} 0 0,1 ${f(x + w - q)},${f(y + h)}` +
    `H${f(x + q)}A${f(q)},${f(q)} 0 0,1 ${f(x)},${f(y + h - q)}` +
    `V${f(y + q)}A${f(q)},${f(q)} 0 0,1 ${f(x + q)},${f(y)}Z`
  );
}

/** Path data of a category's shape with (roughly) radius `r`. */
export function shapePath(category: TypeCategory, r: number): string {
  switch (category) {
    case 'instance':
    case 'atom':
    case 'weakref':
      return circle(r);
    case 'container':
      return roundedRect(r * 1.8, r * 1.8, r * 0.3);
    case 'other':
      return roundedRect(r * 1.7, r * 1.7, 0);
    case 'frame':
      return polygon(regular(4, r * 1.25));
    case 'module':
      return polygon(regular(6, r * 1.1, 0));
    case 'class':
      return polygon([
        [0, -r * 1.25],
        [r * 1.15, r * 0.8],
        [-r * 1.15, r * 0.8],
      ]);
    case 'function':
      return roundedRect(r * 2.5, r * 1.5, r * 0.75);
    case 'generator': {
      const pts: [number, number][] = [];
      for (let i = 0; i < 10; i++) {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const rr = i % 2 === 0 ? r * 1.3 : r * 0.65;
        pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
      }
      return polygon(pts);
    }
  }
}

/**
 * Traces a category's shape, centred on (x, y), on a canvas path (a context or a Path2D): the
 * canvas twin of `shapePath`. The caller begins, fills and strokes.
 */
export function traceShape(
  p: CanvasPath,
  category: TypeCategory,
  x: number,
  y: number,
  r: number,
): void {
  switch (category) {
    case 'instance':
    case 'atom':
    case 'weakref':
      p.moveTo(x + r, y);
      p.arc(x, y, r, 0, Math.PI * 2);
      return;
    case 'container':
      p.roundRect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8, r * 0.3);
      return;
    case 'other':
      p.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      return;
    case 'function':
      p.roundRect(x - r * 1.25, y - r * 0.75, r * 2.5, r * 1.5, r * 0.75);
      return;
    case 'frame':
      poly(p, x, y, regular(4, r * 1.25));
      return;
    case 'module':
      poly(p, x, y, regular(6, r * 1.1, 0));
      return;
    case 'class':
      poly(p, x, y, [
        [0, -r * 1.25],
        [r * 1.15, r * 0.8],
        [-r * 1.15, r * 0.8],
      ]);
      return;
    case 'generator': {
      const pts: [number, number][] = [];
      for (let i = 0; i < 10; i++) {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const rr = i % 2 === 0 ? r * 1.3 : r * 0.65;
        pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
      }
      poly(p, x, y, pts);
      return;
    }
  }
}

function poly(p: CanvasPath, x: number, y: number, pts: [number, number][]): void {
  p.moveTo(x + pts[0][0], y + pts[0][1]);
  for (let i = 1; i < pts.length; i++) p.lineTo(x + pts[i][0], y + pts[i][1]);
  p.closePath();
}

/** How far a category's shape reaches from its centre, for a radius `r`. */
export function shapeExtent(category: TypeCategory, r: number): number {
  switch (category) {
    case 'function':
      return r * 1.25;
    case 'frame':
    case 'class':
    case 'generator':
      return r * 1.3;
    default:
      return r * 1.1;
  }
}
