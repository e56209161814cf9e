/**
 * What the stepper's page tests share (stepper.test.ts, stepperPanel.test.ts): the reports that
 * `heap-inspector step --html` writes for test/programs/webview/stepper_demo.py, read back (the
 * view, the stepper data and the real collection it embeds), and opening a page in chromium.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HeapView } from '../../protocol/heapView';
import type { CollectionComparison, StepperData } from '../../protocol/stepper';
import { findPython } from '../../scripts/python.mjs';
import * as web from '../helpers/browser';
import { CLI, embedded, markerLine, PROGRAMS } from '../helpers/programCapture';

const DEMO = 'stepper_demo.py';

export interface Written {
  html: string;
  view: HeapView;
  stepper: StepperData;
  json: CollectionComparison;
  status: number | null;
  stderr: string;
}

/**
 * `heap-inspector step --generation N --html … --json …` on the demo program, written to
 * test-output/webview/<name>.html and .json (each test file names its own: files may run at once).
 */
export function stepReport(generation: number, name = `stepper-gen${generation}`): Written {
  const html = path.join(web.outDir, `${name}.html`);
  const json = path.join(web.outDir, `${name}.json`);
  const line = markerLine(path.join(PROGRAMS, DEMO));
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'step',
      '--python',
      findPython(),
      '--generation',
      String(generation),
      '--at',
      `${DEMO}:${line}`,
      '--html',
      html,
      '--json',
      json,
      DEMO,
    ],
    { cwd: PROGRAMS, encoding: 'utf8', timeout: 120_000 },
  );
  const text = readFileSync(html, 'utf8');
  return {
    html,
    view: embedded<HeapView>(text, 'heap-data'),
    stepper: embedded<StepperData>(text, 'stepper-data'),
    json: JSON.parse(readFileSync(json, 'utf8')) as CollectionComparison,
    status: r.status,
    stderr: r.stderr,
  };
}

/** Opens pages in the calling file's chromium (web.chromiumForTests), 1400 px wide unless told. */
export function stepperOpener(chromium: ReturnType<typeof web.chromiumForTests>) {
  return (
    file: string,
    opts: { width?: number; height?: number; init?: string } = {},
  ): Promise<web.Opened> => chromium.open(file, { width: opts.width ?? 1400, ...opts });
}
