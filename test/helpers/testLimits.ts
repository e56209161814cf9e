/**
 * Time limits for tests that wait on other processes: interpreters, debug adapters, the CLI. A
 * limit is not a performance check: a correct test ends far below it, even on a loaded 2-core
 * machine. It turns a test that would wait forever into a failure that names the test, so that a
 * run ends instead of hanging.
 *
 * node:test enforces a limit only while a test awaits: a synchronous test (spawnSync) cannot be
 * interrupted, so such tests bound every child process with spawnSync's own `timeout` instead.
 * scripts/test.mjs adds a limit per test file and one for the whole run.
 */

/**
 * One test: a few programs, or one or two debug sessions with a few captures. The slowest seen
 * took about 100 s, with four copies of the same DAP test file running at once on 2 cores next to
 * other test runs (load average above 8); a correct test alone takes 5–25 s.
 */
export const TEST_LIMIT = { timeout: 10 * 60_000 };

/** A suite: node:test times a suite's tests together. The slowest suite seen took 4 minutes. */
export const SUITE_LIMIT = { timeout: 30 * 60_000 };
