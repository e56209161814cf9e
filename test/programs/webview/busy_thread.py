"""A thread busy in a pure-Python loop while the main thread stops at the capture line."""
import threading
import time

STOP = []


def spin():
    n = 0
    while not STOP:
        n += 1


worker = threading.Thread(target=spin, name="spinner")
worker.start()
data = [[i] for i in range(20000)]
time.sleep(0.05)
pass  # capture here (line 18)
STOP.append(1)
worker.join()
