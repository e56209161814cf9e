"""A server with sessions: every session refers to the shared server and to its user; users are
also listed on their own; each session holds a bound method of itself (a cycle per session)."""


class Server:
    def __init__(self):
        self.config = {"name": "srv", "limits": [1, 2, 3]}
        self.log = []


class User:
    def __init__(self, uid):
        self.uid = uid
        self.profile = {"name": "user%d" % uid, "roles": ["a", "b"]}


class Session:
    def __init__(self, server, user, sid):
        self.server = server
        self.user = user
        self.sid = sid
        self.history = [{"event": e, "at": [e, sid]} for e in range(4)]
        self.on_close = self.close

    def close(self):
        self.server.log.append(self.sid)


server = Server()
users = [User(uid) for uid in range(800)]
sessions = {}
for sid in range(1600):
    sessions["s%d" % sid] = Session(server, users[sid % 800], sid)
# Half the users are only referenced by their sessions once this list goes.
active_users = users[:400]
del users

# check: sessions active_users server
print("ready")  # heap-inspector: capture
