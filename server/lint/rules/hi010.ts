/** HI010: a class with `close()` that is not a context manager. */
import { field, kids, rangeOf, type Node } from '../ast';
import type { ClassInfo, LintContext } from '../context';
import { blockEnd, blockIndent, indentUnit, insertAt } from '../fixes';
import type { QuickFix } from '../types';
import type { Rule } from './rule';

/** Standard-library bases that already provide `__enter__`/`__exit__`. */
export const KNOWN_CONTEXT_MANAGERS = new Set([
  'contextlib.AbstractContextManager',
  'contextlib.ExitStack',
  'contextlib.ContextDecorator',
  'typing.ContextManager',
  'io.IOBase',
  'io.RawIOBase',
  'io.BufferedIOBase',
  'io.TextIOBase',
  'io.FileIO',
  'io.BytesIO',
  'io.StringIO',
  'io.BufferedReader',
  'io.BufferedWriter',
  'io.BufferedRandom',
  'io.TextIOWrapper',
  'socket.socket',
  'socketserver.BaseServer',
  'socketserver.TCPServer',
  'socketserver.UDPServer',
  'socketserver.ThreadingTCPServer',
  'http.server.HTTPServer',
  'http.server.ThreadingHTTPServer',
  'selectors.BaseSelector',
  'selectors.DefaultSelector',
  'tempfile.TemporaryDirectory',
  'tempfile.SpooledTemporaryFile',
  'zipfile.ZipFile',
  'tarfile.TarFile',
  'sqlite3.Connection',
  'multiprocessing.pool.Pool',
  'concurrent.futures.Executor',
  'concurrent.futures.ThreadPoolExecutor',
  'concurrent.futures.ProcessPoolExecutor',
  'subprocess.Popen',
  'mmap.mmap',
  'wave.Wave_read',
  'ftplib.FTP',
  'smtplib.SMTP',
  'telnetlib.Telnet',
  'imaplib.IMAP4',
  'shelve.Shelf',
  'dbm.dumb._Database',
  'urllib.response.addbase',
]);

const KNOWN_ASYNC_CONTEXT_MANAGERS = new Set([
  'contextlib.AbstractAsyncContextManager',
  'contextlib.AsyncExitStack',
  'typing.AsyncContextManager',
]);

function hasMember(ctx: LintContext, cls: ClassInfo, name: string): boolean {
  return [cls, ...ctx.ancestors(cls)].some((c) => c.methods.has(name) || c.classAttrs.has(name));
}

function addMethodsFix(
  ctx: LintContext,
  cls: ClassInfo,
  close: Node,
  isAsync: boolean,
  missing: string[],
): QuickFix | null {
  const body = cls.body;
  const indent = blockIndent(ctx, cls.node, body);
  if (!body || !indent) return null;
  const closeBody = field(close, 'body');
  const step = indentUnit(ctx, close, closeBody);
  const inner = indent + step;
  const a = isAsync ? 'async ' : '';
  const chunks: string[] = [];
  for (const m of missing) {
    if (m === '__enter__' || m === '__aenter__') {
      chunks.push(`${indent}${a}def ${m}(self):\n${inner}return self`);
    } else {
      const call = isAsync ? 'await self.close()' : 'self.close()';
      chunks.push(`${indent}${a}def ${m}(self, exc_type, exc, tb):\n${inner}${call}`);
    }
  }
  return {
    title: `Make ${cls.name} a context manager (add ${missing.join(', ')})`,
    edits: [insertAt(blockEnd(ctx, body), `\n\n${chunks.join('\n\n')}`)],
  };
}

export const hi010: Rule = {
  code: 'HI010',
  name: 'close-without-context-manager',
  title: 'Class with `close()` is not a context manager',
  defaultSeverity: 'information',
  check(ctx) {
    for (const cls of ctx.classes) {
      const close = cls.methods.get('close');
      if (!close || close.kind !== 'instance') continue;
      const bases = cls.bases.map((b) => b.text);
      if (bases.some((b) => /(^|\.)Protocol(\[|$)/.test(b))) continue;
      const isAsync = kids(close.node).some((c) => c.type === 'async');
      const wanted = isAsync ? ['__aenter__', '__aexit__'] : ['__enter__', '__exit__'];
      const missing = wanted.filter((m) => !hasMember(ctx, cls, m));
      if (missing.length === 0) continue;
      const known = isAsync ? KNOWN_ASYNC_CONTEXT_MANAGERS : KNOWN_CONTEXT_MANAGERS;
      if (ctx.externalBases(cls).some((b) => known.has(ctx.qualify(b) ?? b.text))) continue;
      const fix = addMethodsFix(ctx, cls, close.node, isAsync, missing);
      const name = field(cls.node, 'name') ?? cls.node;
      const how = isAsync ? '`async with`' : '`with`';
      ctx.report(
        'HI010',
        rangeOf(name),
        `\`${cls.name}\` has ${isAsync ? 'an async ' : 'a '}\`close()\` but no ` +
          `\`${missing.join('`/`')}\`, so callers cannot use ${how} and must remember to call ` +
          `\`close()\` on every path (including exceptions), or leave the cleanup to ` +
          `garbage collection. Add \`${wanted[0]}\` (returning \`self\`) and \`${wanted[1]}\` ` +
          `calling \`close()\`.`,
        fix ? [fix] : [],
      );
    }
  },
};
