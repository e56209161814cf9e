"""The accelerator is loaded only when it is safe and exact (accel_loader.py), and built only with
the interpreter's own compiler and headers (build_accel.py); otherwise the pure-Python kernel,
with one line saying why.

Every refusal is checked to happen BEFORE the file is loaded: a refused file never appears in
this process's memory map (/proc/self/maps), so none of its code ran.
"""
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys

import pytest

from interpreters import ROOT, interpreters

BUILDER = os.path.join(ROOT, "agent", "accel", "build_accel.py")
LOADER = os.path.join(ROOT, "agent", "heap_inspector_agent", "accel_loader.py")
OTHER_UID = 12345

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="memory maps and owners are checked on Linux")


def fresh_loader():
    """accel_loader.py on its own (it needs only the standard library), in its initial state."""
    spec = importlib.util.spec_from_file_location("accel_loader_under_test", LOADER)
    loader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loader)
    return loader


def build(python, out, digest="test", env=None):
    return subprocess.run(
        [python, "-I", BUILDER, "build", out, digest], capture_output=True, text=True, timeout=600, env=env
    )


def mapped(path):
    with open("/proc/self/maps") as maps:
        return os.path.realpath(path) in maps.read()


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    folder = tmp_path_factory.mktemp("accel-loader")
    os.chmod(str(folder), 0o700)
    return folder


@pytest.fixture(scope="module")
def good(private):
    """A build for this interpreter, kept pristine: tests copy it before changing anything."""
    out = str(private / "good.so")
    result = build(sys.executable, out)
    assert result.returncode == 0, result.stderr
    return out


def copy_of(good, folder, name):
    path = os.path.join(str(folder), name)
    shutil.copyfile(good, path)
    os.chmod(path, 0o600)
    return path


def test_a_good_build_is_used_outside_sys_modules(good):
    loader = fresh_loader()
    assert loader.use(good) is None
    assert loader.warning is None
    module = loader.kernel()
    assert module is not None and module.NAME == "native" and module.INTERFACE == loader.INTERFACE
    assert "_heap_inspector_accel" not in sys.modules  # loaded with create_dynamic, never imported
    assert mapped(good)


def test_without_a_path_the_line_says_so():
    loader = fresh_loader()
    assert loader.kernel() is None
    assert loader.warning.startswith("no native accelerator was given to the agent")


@pytest.mark.parametrize(
    "change,expected",
    [
        (lambda path: os.chmod(path, 0o620), "could be changed by another user"),
        (lambda path: os.chmod(path, 0o602), "could be changed by another user"),
        (lambda path: os.chown(path, OTHER_UID, OTHER_UID), "could be changed by another user"),
    ],
    ids=["group-writable", "world-writable", "another-owner"],
)
def test_a_file_someone_else_could_change_is_never_loaded(good, tmp_path, change, expected, request):
    if request.node.callspec.id == "another-owner" and os.geteuid() != 0:
        pytest.skip("chown needs root")
    os.chmod(str(tmp_path), 0o700)
    path = copy_of(good, tmp_path, "changed.so")
    change(path)
    loader = fresh_loader()
    line = loader.use(path)
    assert loader.kernel() is None
    assert expected in line and line.startswith("the native accelerator was not used (")
    assert "\n" not in line
    assert not mapped(path)


def test_a_folder_someone_else_could_change_is_refused(good, private):
    folder = private / "open"
    folder.mkdir()
    os.chmod(str(folder), 0o777)  # not sticky: anyone could replace the file
    path = copy_of(good, folder, "accel.so")
    loader = fresh_loader()
    line = loader.use(path)
    assert loader.kernel() is None and "its folder %s could be changed" % folder in line
    assert not mapped(path)


def test_a_sticky_shared_folder_above_ours_is_allowed(good, tmp_path):
    # /tmp itself is sticky and world-writable; a folder of ours inside it is ours alone.
    os.chmod(str(tmp_path), 0o700)
    path = copy_of(good, tmp_path, "accel.so")
    loader = fresh_loader()
    assert loader.use(path) is None


def test_a_link_is_never_followed(good, private):
    link = os.path.join(str(private), "link.so")
    os.symlink(good, link)
    loader = fresh_loader()
    line = loader.use(link)
    assert loader.kernel() is None and "is not a regular file" in line


def test_a_relative_path_is_refused(good):
    loader = fresh_loader()
    assert "not absolute" in loader.use(os.path.relpath(good))


def other_versions():
    mine = "%d.%d." % sys.version_info[:2]
    return [(label, python) for label, python in interpreters() if not label.startswith(mine) and "32bit" not in label]


def test_a_build_for_another_version_is_refused_before_loading(private):
    others = other_versions()
    if not others:
        pytest.skip("no other CPython version here")
    label, python = others[0]
    path = str(private / ("other-%s.so" % label))
    result = build(python, path)
    assert result.returncode == 0, result.stderr
    loader = fresh_loader()
    line = loader.use(path)
    assert loader.kernel() is None
    assert "it was built for CPython %s, this is %d.%d.%d" % ((label.split("-")[0],) + tuple(sys.version_info[:3])) in line
    assert not mapped(path)


def test_a_file_without_the_abi_marker_is_refused(private):
    path = str(private / "not-ours.so")
    shutil.copyfile(__import__("_ctypes").__file__, path)  # a real extension module, not ours
    os.chmod(path, 0o600)
    loader = fresh_loader()
    assert "does not say which Python it was built for" in loader.use(path)
    assert not mapped(path)


def marker(**changes):
    fields = dict(
        major=sys.version_info[0], minor=sys.version_info[1], micro=sys.version_info[2], level=0xF, serial=0,
        debug=int("d" in sys.abiflags), ref_debug=int(hasattr(sys, "gettotalrefcount")),
        trace=int(hasattr(sys, "getobjects")), pointer=8 if sys.maxsize > 2**32 else 4, interface=None, digest="x",
    )
    fields.update(changes)
    return "%(major)d;%(minor)d;%(micro)d;%(level)d;%(serial)d;%(debug)d;%(ref_debug)d;%(trace)d;%(pointer)d;%(interface)d;%(digest)s;" % fields


@pytest.mark.parametrize(
    "changes,expected",
    [
        ({"minor": 7}, "it was built for CPython 3.7"),
        ({"debug": 1}, "it was built for a debug build, this interpreter is a release build"),
        ({"ref_debug": 1}, "it was built with reference debugging"),
        ({"trace": 1}, "it was built with reference tracing"),
        ({"pointer": 4}, "it was built for 32-bit pointers, this is a 64-bit Python"),
        ({"interface": 999}, "it implements kernel interface 999"),
        ({"level": 0xC, "micro": 0}, "it was built for a different release"),
    ],
    ids=["version", "debug", "ref-debug", "trace-refs", "pointer-size", "interface", "pre-release"],
)
def test_every_abi_field_is_checked(changes, expected):
    loader = fresh_loader()
    changes.setdefault("interface", loader.INTERFACE)
    if sys.abiflags or hasattr(sys, "gettotalrefcount") or sys.maxsize <= 2**32:
        pytest.skip("written for a 64-bit release build")
    assert loader.abi_problem(marker(**dict(interface=loader.INTERFACE))) is None
    assert expected in loader.abi_problem(marker(**changes))
    assert "not one this agent reads" in loader.abi_problem("3;11;garbage;")


def test_find_picks_the_build_for_this_interpreter(good, private):
    folder = private / "candidates"
    folder.mkdir()
    os.chmod(str(folder), 0o700)
    suffix = __import__("_imp").extension_suffixes()[0]
    others = other_versions()
    if others:
        result = build(others[0][1], str(folder / ("heap_inspector_accel-aaa" + suffix)))
        assert result.returncode == 0, result.stderr
    stale = str(folder / ("heap_inspector_accel-bbb" + suffix))
    assert build(sys.executable, stale, digest="olddigest").returncode == 0
    wanted = copy_of(good, folder, "heap_inspector_accel-ccc" + suffix)
    loader = fresh_loader()
    assert loader.find([str(private / "missing"), str(folder)], "test") is None
    assert loader.loaded_from() == wanted
    assert not mapped(stale)
    loader = fresh_loader()
    assert "none is built for this interpreter yet" in loader.find([str(folder)], "anotherdigest")


def builder_output(python, script, env=None):
    return subprocess.run([python, "-I", "-c", script], capture_output=True, text=True, timeout=600, env=env)


def test_without_a_compiler_the_builder_says_so_in_one_line(tmp_path):
    out = str(tmp_path / "x.so")
    result = build(sys.executable, out, env=dict(os.environ, PATH=str(tmp_path)))
    assert result.returncode == 1
    assert result.stderr.startswith("no C compiler: ") and result.stderr.endswith(" is not installed\n")
    assert result.stderr.count("\n") == 1
    assert not os.path.exists(out)


def test_without_headers_the_builder_says_so_in_one_line(tmp_path):
    # An interpreter whose headers are not installed: sysconfig points at a folder without them.
    script = (
        "import sys, sysconfig, runpy\n"
        "real = sysconfig.get_config_var\n"
        "sysconfig.get_config_var = lambda name: %r if name in ('INCLUDEPY', 'CONFINCLUDEPY') else real(name)\n"
        "sys.argv = [%r, 'build', %r, 'test']\n"
        "runpy.run_path(%r, run_name='__main__')\n"
    ) % (str(tmp_path), BUILDER, str(tmp_path / "x.so"), BUILDER)
    result = builder_output(sys.executable, script)
    assert result.returncode == 1
    assert result.stderr == "this Python's C headers are not installed (no %s)\n" % (tmp_path / "Python.h")


@pytest.mark.parametrize(
    "patch,expected",
    [
        ("sys.version_info = (3, 14, 0, 'final', 0)", "it is not verified on Python 3.14 yet"),
        ("sys.abiflags = 't'", "this is a free-threaded CPython"),
    ],
    ids=["3.14", "free-threaded"],
)
def test_unverified_interpreters_are_refused_by_builder_and_loader(good, patch, expected):
    script = (
        "import sys, runpy\n%s\n"
        "sys.argv = [%r, 'build', '/nonexistent/x.so', 'test']\n"
        "runpy.run_path(%r, run_name='__main__')\n"
    ) % (patch, BUILDER, BUILDER)
    result = builder_output(sys.executable, script)
    assert result.returncode == 1 and result.stderr.startswith(expected) and result.stderr.count("\n") == 1
    check = (
        "import sys, importlib.util, json\n%s\n"
        "spec = importlib.util.spec_from_file_location('l', %r)\n"
        "l = importlib.util.module_from_spec(spec); spec.loader.exec_module(l)\n"
        "print(json.dumps([l.use(%r), l.kernel() is None, %r in open('/proc/self/maps').read()]))\n"
    ) % (patch, LOADER, good, os.path.realpath(good))
    result = builder_output(sys.executable, check)
    line, pure, was_mapped = json.loads(result.stdout)
    assert pure and not was_mapped and expected in line


def test_the_build_is_checked_by_the_loader_before_it_is_kept(tmp_path):
    # A build the loader would refuse (here: built against another kernel interface) fails the
    # build itself, so no cache ever keeps it.
    source = os.path.join(ROOT, "agent", "accel")
    copy = tmp_path / "accel"
    shutil.copytree(source, str(copy))
    header = copy / "accel_kernel.h"
    text, replaced = re.subn(r"#define HI_KERNEL_INTERFACE \d+", "#define HI_KERNEL_INTERFACE 99", header.read_text())
    assert replaced == 1, "the header no longer defines HI_KERNEL_INTERFACE as this test expects"
    header.write_text(text)
    (tmp_path / "heap_inspector_agent").mkdir()
    shutil.copyfile(LOADER, str(tmp_path / "heap_inspector_agent" / "accel_loader.py"))
    os.chmod(str(tmp_path), 0o700)
    result = subprocess.run(
        [sys.executable, "-I", str(copy / "build_accel.py"), "build", str(tmp_path / "x.so"), "test"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("the built module does not load: ")
    assert "it implements kernel interface 99" in result.stderr
