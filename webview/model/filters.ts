/**
 * What the graph's filters hide: builtins, the standard library, debugger internals. Decided by
 * the module of an object's type (for a module object, its own name).
 */
import type { ViewNode } from '../../protocol/heapView';

export interface Filters {
  hideBuiltins: boolean;
  hideStdlib: boolean;
  hideDebugger: boolean;
}

export const NO_FILTERS: Filters = { hideBuiltins: false, hideStdlib: false, hideDebugger: false };

/** Top-level modules of the standard library (CPython 3.12 `sys.stdlib_module_names`, less builtins). */
const STDLIB = new Set(
  `
  __future__ _abc _aix_support _ast _asyncio _bisect _blake2 _bootsubprocess _bz2 _codecs
  _codecs_cn _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw _collections
  _collections_abc _compat_pickle _compression _contextvars _crypt _csv _ctypes _curses
  _curses_panel _datetime _dbm _decimal _elementtree _frozen_importlib
  _frozen_importlib_external _functools _gdbm _hashlib _heapq _imp _io _json _locale _lsprof
  _lzma _markupbase _md5 _msi _multibytecodec _multiprocessing _opcode _operator _osx_support
  _overlapped _pickle _posixshmem _posixsubprocess _py_abc _pydecimal _pyio _queue _random
  _scproxy _sha1 _sha256 _sha3 _sha512 _signal _sitebuiltins _socket _sqlite3 _sre _ssl _stat
  _statistics _string _strptime _struct _symtable _thread _threading_local _tkinter _tokenize
  _tracemalloc _typing _uuid _warnings _weakref _weakrefset _winapi _zoneinfo abc aifc
  antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii
  bisect bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys
  compileall concurrent configparser contextlib contextvars copy copyreg crypt csv ctypes curses
  dataclasses datetime dbm decimal difflib dis distutils doctest email encodings ensurepip enum
  errno faulthandler fcntl filecmp fileinput fnmatch fractions ftplib functools gc genericpath
  getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib imaplib
  imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3 linecache locale
  logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msilib msvcrt
  multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator optparse os
  ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix
  posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue
  quopri random re readline reprlib resource rlcompleter runpy sched secrets select selectors
  shelve shlex shutil signal site smtpd smtplib sndhdr socket socketserver spwd sqlite3
  sre_compile sre_constants sre_parse ssl stat statistics string stringprep struct subprocess
  sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios textwrap this
  threading time timeit tkinter token tokenize tomllib trace traceback tracemalloc tty turtle
  turtledemo types typing unicodedata unittest urllib uu uuid venv warnings wave weakref
  webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo
`
    .trim()
    .split(/\s+/),
);

/** The debugger's own modules (debugpy, pydevd) and this tool's agent. */
const DEBUGGER =
  /^(debugpy|pydevd|_pydevd|_pydev|pydev|_pydevd_bundle|_pydevd_frame_eval|heap_inspector_agent)(\b|_|\.|$)/;

/** The module a node belongs to: `ViewNode.module`, or the type name up to its last dot. */
export function nodeModule(n: ViewNode): string {
  if (n.module !== undefined) return n.module;
  if (n.category === 'module') return n.label;
  const dot = n.type.lastIndexOf('.');
  return dot < 0 ? '' : n.type.slice(0, dot);
}

export type ModuleKind = 'builtins' | 'stdlib' | 'debugger' | 'user';

export function moduleKind(module: string): ModuleKind {
  const top = module.split('.')[0];
  if (DEBUGGER.test(module)) return 'debugger';
  if (top === 'builtins') return 'builtins';
  if (STDLIB.has(top)) return 'stdlib';
  return 'user';
}

/**
 * The filters hide the node. Never hidden: what the next collection frees, roots and frames
 * (what holds everything else), and whatever `keep` says (the selection, a highlighted path).
 */
export function hiddenByFilters(n: ViewNode, f: Filters): boolean {
  if (!f.hideBuiltins && !f.hideStdlib && !f.hideDebugger) return false;
  if (n.unreachable || n.root || n.category === 'frame') return false;
  const kind = moduleKind(nodeModule(n));
  return (
    (kind === 'builtins' && f.hideBuiltins) ||
    (kind === 'stdlib' && f.hideStdlib) ||
    (kind === 'debugger' && f.hideDebugger)
  );
}
