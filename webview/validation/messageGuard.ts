/**
 * Validation of what the extension posts to the panel (protocol/messages.ts `ToWebview`): the
 * tag, then every field the webview reads. Nothing is used before it passes here.
 */
import type { HeapView } from '../../protocol/heapView';
import { isToWebview, type ToWebview } from '../../protocol/messages';
import { checkNodesAndEdges, checkViewNode, validateHeapView } from './heapViewGuard';
import { dominatorChildrenProblem, typeTopsProblem } from './retainedGuard';
import { validateStepperData } from './stepperGuard';

export type MessageCheck =
  { ok: true; message: ToWebview; notes: string[] } | { ok: false; error: string };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** `cycleCount`: cycles of the view shown (nodes of answers refer to them). */
export function checkToWebview(data: unknown, cycleCount: number): MessageCheck {
  if (!isToWebview(data)) return { ok: false, error: 'not a message this view understands' };
  const m = data as unknown as Obj;
  const bad = (error: string): MessageCheck => ({
    ok: false,
    error: `${String(m.type)}: ${error}`,
  });
  switch (m.type) {
    case 'view': {
      if (!isStr(m.title)) return bad('title should be a string');
      if (m.sessionName !== undefined && !isStr(m.sessionName))
        return bad('sessionName should be a string');
      const v = validateHeapView(m.view);
      if (!v.ok) return bad(v.error);
      return {
        ok: true,
        message: {
          type: 'view',
          view: v.view as HeapView,
          title: m.title,
          sessionName: m.sessionName as string | undefined,
        },
        notes: v.notes,
      };
    }
    case 'capturing':
    case 'error':
      if (!isStr(m.message)) return bad('message should be a string');
      return { ok: true, message: data, notes: [] };
    case 'focus':
      if (!isStr(m.address)) return bad('address should be a string');
      return { ok: true, message: data, notes: [] };
    case 'path': {
      if (!isInt(m.requestId)) return bad('requestId should be an integer');
      if (m.path === null) return { ok: true, message: data, notes: [] };
      if (!isObj(m.path)) return bad('path should be an object or null');
      const p = m.path;
      if (!isInt(p.target) || !isStr(p.root) || !Array.isArray(p.steps)) {
        return bad('path needs target, root and steps');
      }
      for (let i = 0; i < p.steps.length; i++) {
        const s = p.steps[i] as unknown;
        if (!isObj(s) || !isStr(s.label)) return bad(`path.steps[${i}] needs a label`);
        const err = checkViewNode(s.node, cycleCount, `path.steps[${i}].node`);
        if (err) return bad(err);
      }
      return { ok: true, message: data, notes: [] };
    }
    case 'neighbourhood': {
      if (!isInt(m.requestId)) return bad('requestId should be an integer');
      const nb = m.neighbourhood;
      if (!isObj(nb)) return bad('neighbourhood should be an object');
      if (!isInt(nb.center) || !isInt(nb.total)) return bad('neighbourhood needs center and total');
      if (nb.direction !== 'referents' && nb.direction !== 'referrers') {
        return bad('neighbourhood.direction should be referents or referrers');
      }
      const err = checkNodesAndEdges(nb.nodes, nb.edges, cycleCount, 'neighbourhood');
      if (err) return bad(err);
      return { ok: true, message: data, notes: [] };
    }
    case 'stepper': {
      if (!isInt(m.requestId)) return bad('requestId should be an integer');
      const d = validateStepperData(m.data, cycleCount);
      if (!d.ok) return bad(d.error);
      return {
        ok: true,
        message: { type: 'stepper', requestId: m.requestId, data: d.data },
        notes: [],
      };
    }
    case 'collection':
      if (m.state !== 'running' && m.state !== 'failed' && m.state !== 'cancelled')
        return bad('state should be running, failed or cancelled');
      if (!isStr(m.message)) return bad('message should be a string');
      return { ok: true, message: data, notes: [] };
    case 'collectionResult': {
      if (typeof m.after !== 'boolean') return bad('after should be true or false');
      const v = validateHeapView(m.before);
      if (!v.ok) return bad(`before: ${v.error}`);
      const d = validateStepperData(m.stepper, (m.before as HeapView).cycles.length);
      if (!d.ok) return bad(d.error);
      if (!d.data.collection) return bad('stepper.collection is missing');
      return {
        ok: true,
        message: { type: 'collectionResult', before: v.view, stepper: d.data, after: m.after },
        notes: v.notes,
      };
    }
    case 'dominatorChildren': {
      if (!isInt(m.requestId)) return bad('requestId should be an integer');
      const err = dominatorChildrenProblem(m.page);
      if (err) return bad(err);
      return { ok: true, message: data, notes: [] };
    }
    case 'typeTops': {
      if (!isInt(m.requestId)) return bad('requestId should be an integer');
      const err = typeTopsProblem(m.page);
      if (err) return bad(err);
      return { ok: true, message: data, notes: [] };
    }
    default:
      return bad('unknown message');
  }
}
