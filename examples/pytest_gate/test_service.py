"""An example suite for `heap-inspector pytest` (docs/pytest-gate.md): two tests leak, one leaves
an object with a finalizer in a reference cycle, the others are clean."""
import functools

_audit_log = []  # module-level: everything appended here lives as long as the process


class Session:
    def __init__(self, user):
        self.user = user
        self.tokens = ["t-%s-%d" % (user, i) for i in range(3)]


def login(user):
    session = Session(user)
    _audit_log.append(session)  # the leak: every login is kept forever
    return session


class Connection:
    def __init__(self):
        self.me = self  # a reference cycle...

    def __del__(self):  # ...with a finalizer: it runs whenever the collector gets to it
        pass


@functools.lru_cache(maxsize=None)
def parse(text):
    return tuple(text.split(","))


def test_login_keeps_every_session():
    assert login("ada").user == "ada"


def test_connection_left_in_a_cycle():
    connection = Connection()
    assert connection.me is connection


def test_cached_parse_is_clean():
    assert parse("a,b,c") == ("a", "b", "c")  # cached on the first run, not again


def test_plain_arithmetic_is_clean():
    values = [i * i for i in range(100)]
    assert sum(values) == 328350


def test_temporary_cycle_without_finalizer_is_clean():
    node = {"name": "n"}
    node["self"] = node  # garbage, but nothing runs when it is freed
    assert node["self"] is node
