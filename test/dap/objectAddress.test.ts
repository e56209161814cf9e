/**
 * "Inspect in Heap Graph" asks the paused frame for the address of the variable's object
 * (extension/capture/objectAddress.ts), with a real debugpy. A frame's own names must not get in
 * the way: a parameter named `id` (web handlers: `def get(self, id)`), a local `id` that is a
 * function, a local named `__builtins__`. The address must be the object's own, as the program
 * itself computed it with the real builtins while the object is alive (it still is: the frame
 * holds it, so no other object can have that address).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { addressEvaluateArguments, addressFromResult } from '../../extension/capture/objectAddress';
import { SUITE_LIMIT, TEST_LIMIT } from '../helpers/testLimits';
import { DebugpySession, debugpyVariants } from './debugpyHarness';
import { markerLine, PROGRAMS } from './paths';

const PROGRAM = join(PROGRAMS, 'shadowed_names.py');

/** The program's own record of the object's address (computed with builtins.id), read in the
 * caller's frame (module level): in the frame with a local `__builtins__` no builtin works. */
const RECORDED = (key: string) => `ADDRESSES[${JSON.stringify(key)}]`;

const STOPS: { marker: string; expressions: string[]; shadows: string }[] = [
  { marker: 'get', expressions: ['item', "self.store['k']"], shadows: 'a parameter id = 42' },
  { marker: 'lookup', expressions: ['item'], shadows: 'a local id = lambda value: 7' },
  { marker: 'rebind', expressions: ['item'], shadows: 'a local __builtins__ = {}' },
];

for (const variant of debugpyVariants()) {
  const skip = variant.version === null ? `debugpy is not installed for ${variant.python}` : false;

  describe(
    `the address of a variable's object — ${variant.label}`,
    { skip, ...SUITE_LIMIT },
    () => {
      for (const stop of STOPS) {
        test(`${stop.shadows}`, TEST_LIMIT, async () => {
          const session = await DebugpySession.launch(variant, {
            program: PROGRAM,
            line: markerLine(PROGRAM, stop.marker),
            cwd: PROGRAMS,
          });
          try {
            assert.equal(session.frames[1].name, '<module>');
            const recorded = await session.evaluate(RECORDED(stop.marker), session.frames[1].id);
            assert.match(recorded, /^0x[0-9a-f]+$/);
            for (const expression of stop.expressions) {
              const response = await session.client
                .evaluateRequest(addressEvaluateArguments(expression, session.topFrameId))
                .then(
                  (r) => r.body.result,
                  (error: Error) => `evaluate failed: ${error.message}`,
                );
              assert.equal(addressFromResult(response), recorded, `${expression} → ${response}`);
            }
          } finally {
            await session.close();
          }
        });
      }
    },
  );
}
