"""A thread that waits on an Event (using no CPU) while the main thread stops at the capture line."""
import threading

ready, go = threading.Event(), threading.Event()


def wait():
    ready.set()
    go.wait()


worker = threading.Thread(target=wait, name="waiter")
worker.start()
ready.wait()
data = [[i] for i in range(20000)]
pass  # capture here (line 16)
go.set()
worker.join()
