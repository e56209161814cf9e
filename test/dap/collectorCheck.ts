/**
 * The truth a capture is checked against: CPython's own collector, run in the same debugged
 * process right after the capture (through the same DAP `evaluate`, as the stepper will), with
 * `gc.DEBUG_COLLECTABLE` — it prints `gc: collectable <TYPE 0xADDRESS>` for every object it finds
 * unreachable. Compared object by object (addresses) with the engine's prediction for the
 * snapshot, and by type name.
 */
import { analyze, readSnapshot } from '../../server/engine';
import { pythonString } from '../../extension/capture/pythonLiteral';
import { RootKind } from '../../protocol/snapshot';

export interface CollectorResult {
  /** Addresses the collector listed, lowercase hex. */
  addresses: string[];
  /** By the type name the collector prints (`Node`, `dict`). */
  byType: Record<string, number>;
  /** gc.get_stats() collections per generation, before this collection. */
  collectionsBefore: number[];
  returned: number;
}

export interface Prediction {
  addresses: string[];
  /** By the short type name (the collector's way of naming). */
  byShortType: Record<string, number>;
  /** By `module.qualname`. */
  byType: Record<string, number>;
  pausedFunction: string;
}

// Statements run in a private dict (no name reaches the user's frame); `io` and `gc` are loaded
// in every debugpy process. stderr is swapped only while collecting: the collector writes there.
const COLLECT = `import gc, io, sys
before = [generation["collections"] for generation in gc.get_stats()]
debug = gc.get_debug()
stream = io.StringIO()
saved = sys.stderr
sys.stderr = stream
try:
    gc.set_debug(debug | gc.DEBUG_COLLECTABLE)
    returned = gc.collect()
finally:
    gc.set_debug(debug)
    sys.stderr = saved
lines = [line for line in stream.getvalue().splitlines() if line.startswith("gc: collectable <")]
result = "%s\\n%d\\n%s" % (",".join(map(str, before)), returned, "\\n".join(lines))
`;

export const COLLECT_EXPRESSION =
  `(lambda n: (n['__builtins__']['exec'](n['__builtins__']['compile'](${pythonString(COLLECT)}, ` +
  `'<heap-inspector test collect>', 'exec'), n), n.pop('result'), n.clear())[1])` +
  `({'__builtins__': __import__('builtins').__dict__})`;

export function parseCollect(text: string): CollectorResult {
  const [before, returned, ...lines] = text.split('\n');
  const addresses: string[] = [];
  const byType: Record<string, number> = {};
  for (const line of lines) {
    if (line === '') continue;
    const match = /^gc: collectable <(.*) (0x[0-9a-fA-F]+)>$/.exec(line);
    if (!match) throw new Error(`unexpected collector line: ${line}`);
    const short = shortName(match[1]);
    byType[short] = (byType[short] ?? 0) + 1;
    addresses.push(match[2].toLowerCase());
  }
  return {
    addresses: addresses.sort(),
    byType,
    collectionsBefore: before.split(',').map(Number),
    returned: Number(returned),
  };
}

export function predict(bytes: Uint8Array): Prediction {
  const snapshot = readSnapshot(bytes, 'the DAP capture');
  const { full } = analyze(snapshot);
  const addresses: string[] = [];
  const byShortType: Record<string, number> = {};
  const byType: Record<string, number> = {};
  for (let node = 0; node < snapshot.nodeCount; node++) {
    if (!full.unreachable[node]) continue;
    addresses.push(snapshot.addressHex(node));
    const name = snapshot.typeName(node);
    byType[name] = (byType[name] ?? 0) + 1;
    byShortType[shortName(name)] = (byShortType[shortName(name)] ?? 0) + 1;
  }
  const pausedFunction = snapshot.frames.paused[0]?.function ?? '';
  return { addresses: addresses.sort(), byShortType, byType, pausedFunction };
}

/** `__main__.Node` and `Node` → `Node`; `collections.OrderedDict` → `OrderedDict`. */
function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Local variable names the snapshot records for its paused frame (the capture's "here"). */
export function pausedFrameLocals(bytes: Uint8Array): string[] {
  const snapshot = readSnapshot(bytes, 'the DAP capture');
  let pausedNode = -1;
  for (let root = 0; root < snapshot.rootCount; root++) {
    if (snapshot.rootKind[root] === RootKind.PausedFrame) pausedNode = snapshot.rootNode[root];
  }
  const names: string[] = [];
  for (let root = 0; root < snapshot.rootCount; root++) {
    if (
      snapshot.rootKind[root] === RootKind.FrameLocal &&
      snapshot.rootFrame[root] === pausedNode
    ) {
      names.push(snapshot.strings[snapshot.rootName[root]]);
    }
  }
  return names.sort();
}
