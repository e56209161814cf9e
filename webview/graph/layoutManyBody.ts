/**
 * The layout's repulsion between all objects: Barnes–Hut over a quadtree kept in typed arrays
 * (grown on demand). Like layoutEngine (layoutProgram.ts), `manyBodyForce` must stay
 * self-contained — no imports, nothing from outside the function — because the layout worker is
 * made from its source text.
 */

/** Adds to the velocities (vx, vy) the repulsion of every object on every other, times `k`. */
export type ManyBody = (
  n: number,
  x: Float64Array,
  y: Float64Array,
  vx: Float64Array,
  vy: Float64Array,
  k: number,
) => void;

export function manyBodyForce(): ManyBody {
  let n = 0;
  let x: Float64Array = new Float64Array(0);
  let y: Float64Array = new Float64Array(0);
  let cap = 0;
  let qx0 = new Float64Array(0);
  let qy0 = new Float64Array(0);
  let qsize = new Float64Array(0);
  let qmass = new Float64Array(0);
  let qcx = new Float64Array(0);
  let qcy = new Float64Array(0);
  let qchild = new Int32Array(0);
  let qleaf = new Int32Array(0);
  let qinternal = new Uint8Array(0);
  let qnext = new Int32Array(0);
  let cells = 0;

  function grow(need: number): void {
    if (need <= cap) return;
    cap = Math.max(need, cap * 2, 1024);
    const g64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    qx0 = g64(qx0);
    qy0 = g64(qy0);
    qsize = g64(qsize);
    qmass = g64(qmass);
    qcx = g64(qcx);
    qcy = g64(qcy);
    const c = new Int32Array(cap * 4);
    c.set(qchild);
    qchild = c;
    const l = new Int32Array(cap);
    l.set(qleaf);
    qleaf = l;
    const f = new Uint8Array(cap);
    f.set(qinternal);
    qinternal = f;
  }

  function newCell(x0: number, y0: number, size: number): number {
    grow(cells + 1);
    const c = cells++;
    qx0[c] = x0;
    qy0[c] = y0;
    qsize[c] = size;
    qmass[c] = 0;
    qcx[c] = 0;
    qcy[c] = 0;
    qleaf[c] = -1;
    qinternal[c] = 0;
    qchild[c * 4] = qchild[c * 4 + 1] = qchild[c * 4 + 2] = qchild[c * 4 + 3] = -1;
    return c;
  }

  function buildTree(): void {
    cells = 0;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      if (x[i] < x0) x0 = x[i];
      if (x[i] > x1) x1 = x[i];
      if (y[i] < y0) y0 = y[i];
      if (y[i] > y1) y1 = y[i];
    }
    const size = Math.max(x1 - x0, y1 - y0, 1) * 1.0001 + 1;
    if (qnext.length < n) qnext = new Int32Array(n);
    newCell(x0, y0, size);
    for (let i = 0; i < n; i++) insert(i);
    accumulate();
  }

  function insert(i: number): void {
    let c = 0;
    for (let depth = 0; ; depth++) {
      if (qinternal[c] === 1) {
        c = childFor(c, x[i], y[i]);
        continue;
      }
      const j = qleaf[c];
      if (j < 0) {
        qleaf[c] = i;
        qnext[i] = -1;
        return;
      }
      if (depth > 40 || (x[j] === x[i] && y[j] === y[i])) {
        qnext[i] = j;
        qleaf[c] = i;
        return;
      }
      // Split: the leaf's points (all at one position) move to one child.
      qinternal[c] = 1;
      qleaf[c] = -1;
      const ch = childFor(c, x[j], y[j]);
      qleaf[ch] = j;
    }
  }

  function childFor(c: number, px: number, py: number): number {
    const half = qsize[c] / 2;
    const q = quadrant(c, half, px, py);
    let ch = qchild[c * 4 + q];
    if (ch === -1) {
      ch = newCell(qx0[c] + (q & 1 ? half : 0), qy0[c] + (q & 2 ? half : 0), half);
      qchild[c * 4 + q] = ch;
    }
    return ch;
  }

  function quadrant(c: number, half: number, px: number, py: number): number {
    return (px >= qx0[c] + half ? 1 : 0) | (py >= qy0[c] + half ? 2 : 0);
  }

  /** Masses and centres of mass, children before parents (cells are created parent first). */
  function accumulate(): void {
    for (let c = cells - 1; c >= 0; c--) {
      let m = 0;
      let sx = 0;
      let sy = 0;
      let k = qleaf[c];
      while (k >= 0) {
        m += 1;
        sx += x[k];
        sy += y[k];
        k = qnext[k];
      }
      for (let q = 0; q < 4; q++) {
        const ch = qchild[c * 4 + q];
        if (ch < 0 || qmass[ch] === 0) continue;
        m += qmass[ch];
        sx += qcx[ch] * qmass[ch];
        sy += qcy[ch] * qmass[ch];
      }
      qmass[c] = m;
      qcx[c] = m > 0 ? sx / m : 0;
      qcy[c] = m > 0 ? sy / m : 0;
    }
  }

  const stack = new Int32Array(4096);

  return function apply(count, px, py, vx, vy, k): void {
    n = count;
    x = px;
    y = py;
    buildTree();
    const theta2 = 0.81;
    const distMax2 = 900 * 900;
    for (let i = 0; i < n; i++) {
      let sp = 0;
      stack[sp++] = 0;
      let fx = 0;
      let fy = 0;
      while (sp > 0) {
        const c = stack[--sp];
        if (qmass[c] === 0) continue;
        const dx = qcx[c] - x[i];
        const dy = qcy[c] - y[i];
        let d2 = dx * dx + dy * dy;
        const w = qsize[c];
        const isLeaf = qinternal[c] === 0;
        if (!isLeaf && (w * w) / theta2 < d2) {
          if (d2 < distMax2) {
            if (d2 < 1) d2 = Math.sqrt(d2 + 1);
            fx += (dx * k * qmass[c]) / d2;
            fy += (dy * k * qmass[c]) / d2;
          }
          continue;
        }
        if (isLeaf) {
          let j = qleaf[c];
          while (j >= 0) {
            if (j !== i) {
              let ddx = x[j] - x[i];
              let ddy = y[j] - y[i];
              let dd2 = ddx * ddx + ddy * ddy;
              if (dd2 < distMax2) {
                if (dd2 === 0) {
                  ddx = ((i * 7919 + j) % 13) / 13 - 0.5 || 0.1;
                  ddy = ((j * 104729 + i) % 17) / 17 - 0.5 || 0.1;
                  dd2 = ddx * ddx + ddy * ddy;
                }
                if (dd2 < 1) dd2 = Math.sqrt(dd2 + 1);
                fx += (ddx * k) / dd2;
                fy += (ddy * k) / dd2;
              }
            }
            j = qnext[j];
          }
          continue;
        }
        for (let q = 0; q < 4; q++) {
          const ch = qchild[c * 4 + q];
          if (ch >= 0 && sp < stack.length) stack[sp++] = ch;
        }
      }
      vx[i] += fx;
      vy[i] += fy;
    }
  };
}
