"""A web service that leaks, for the retained-size views' browser tests (test/webview/retained*.test.ts).

About 600,000 objects at the capture line, the shape of a real leak:
- `registry['users']`: a list of 52,000 `Session`s that logins append and nothing removes (the
  leak). Each session holds its attributes' dict, a user name, a token, a dict of settings and a
  list of the `Request`s it made.
- `cache`: a dict of rendered pages by (path, user id) tuple: bytes, bounded by hand.
- `history`: a deque of the last 5,000 `Request`s (bounded: not a leak, but big).
- a few reference cycles that became garbage (`Connection` pairs), so the garbage group shows.
"""
import collections
import gc


class Request:
    __slots__ = ("path", "status", "headers")

    def __init__(self, path, status):
        self.path = path
        self.status = status
        self.headers = {"accept": "text/html", "x-id": path}


class Session:
    def __init__(self, user_id):
        self.user = "user-%d" % user_id
        self.token = "tok-%08x" % (user_id * 2654435761 % 2**32)
        self.settings = {"theme": "dark", "lang": "en", "page": user_id % 7}
        self.requests = []


class Connection:
    def __init__(self):
        self.peer = None


class Registry(dict):
    pass


registry = Registry()
registry["users"] = []
registry["admins"] = []
cache = {}
history = collections.deque(maxlen=5000)


def login(user_id):
    session = Session(user_id)
    registry["users"].append(session)
    if user_id % 1000 == 0:
        registry["admins"].append(session)
    return session


def handle(session, n):
    path = "/items/%d" % n
    request = Request(path, 200)
    session.requests.append(request)
    history.append(request)
    key = (path, session.user)
    if len(cache) < 20000:
        cache[key] = b"<html>" + path.encode() * 4 + b"</html>"


def serve():
    for user_id in range(52000):
        session = login(user_id)
        handle(session, user_id)
        if user_id % 3 == 0:
            handle(session, user_id + 1)
    for _ in range(20):
        a, b = Connection(), Connection()
        a.peer, b.peer = b, a
    gc.collect()
    for _ in range(5):
        a, b = Connection(), Connection()
        a.peer, b.peer = b, a
    del a, b
    print("served", len(registry["users"]), "sessions")  # @capture


serve()
