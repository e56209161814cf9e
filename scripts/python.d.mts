/** The Python interpreter the tests and scripts use: $HEAP_INSPECTOR_PYTHON, else python3. */
export function findPython(): string;
