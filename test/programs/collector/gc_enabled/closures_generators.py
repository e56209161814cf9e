"""Callbacks and generators made in a loop: closures that reference themselves through their cell,
generators suspended mid-iteration and dropped, and a few kept in a registry."""
import gc


def make_counter(start):
    count = start

    def step():
        nonlocal count
        count += 1
        return step if count % 2 else count  # the closure's cell holds the function itself

    step.reset = lambda: start  # an attribute dict on the function
    return step


def windows(values, size):
    buffer = []
    for value in values:
        buffer.append(value)
        if len(buffer) == size:
            yield tuple(buffer)
            buffer.pop(0)


registry = {}
checksum = 0
for round_number in range(1500):
    counter = make_counter(round_number)
    counter()
    generator = windows(range(round_number % 17 + 3), 3)
    first = next(generator)  # suspended, then dropped
    checksum += first[0]
    if round_number % 100 == 0:
        registry[round_number] = (counter, generator)  # a few are kept
print("checksum", checksum)
gc.set_debug(gc.DEBUG_COLLECTABLE); gc.collect(); gc.set_debug(0)  # heap-inspector: capture
