"""Another thread paused in a function with two locals: a list (tracked: part of the heap the
capture walks) and an int made at run time that nothing else references (untracked: not part of
it).  The capturing thread has the same two locals."""
import threading

ready = threading.Event()
finish = threading.Event()


def worker(seed):
    worker_items = [seed]
    worker_number = 10**30 + seed
    ready.set()
    finish.wait()
    return worker_items, worker_number


def main(seed):
    main_items = [seed]
    main_number = 10**30 + seed
    thread = threading.Thread(target=worker, args=(seed + 1,), name="worker-thread")
    thread.start()
    ready.wait()
    result = (main_items, main_number)  # CAPTURE
    finish.set()
    thread.join()
    return result


main(7)
