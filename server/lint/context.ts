/**
 * Per-file facts shared by the rules: classes and their members, imports, module-level names,
 * plus the `report` sink.
 */
import {
  boundNames,
  decoratorsOf,
  definitionStatement,
  dottedParts,
  field,
  firstParamName,
  kids,
  methodClass,
  nameOf,
  namedKids,
  walk,
  type Node,
} from './ast';
import { moduleNames } from './scope';
import type { QuickFix, Range, RuleCode } from './types';

export type MethodKind = 'instance' | 'static' | 'class' | 'property';

export interface MethodInfo {
  name: string;
  node: Node;
  kind: MethodKind;
  /** Name of the first parameter (`self`) for instance methods. */
  selfName: string | null;
}

export interface ClassInfo {
  node: Node;
  name: string;
  body: Node | null;
  /** Positional superclass expressions. */
  bases: Node[];
  methods: Map<string, MethodInfo>;
  /** Names assigned directly in the class body (`x = 1`, `__enter__ = ...`). */
  classAttrs: Set<string>;
  /** `self.<attr>` assignment targets (attribute nodes) per attribute, across all methods. */
  instanceAttrs: Map<string, Node[]>;
  /** Does this class sit at module level? */
  topLevel: boolean;
}

export interface RawFinding {
  code: RuleCode;
  range: Range;
  message: string;
  fixes?: QuickFix[];
}

const PROPERTY_DECORATORS = /(^|\.)(property|cached_property|setter|getter|deleter)$/;

export class LintContext {
  readonly root: Node;
  readonly classes: ClassInfo[] = [];
  private readonly classByNode = new Map<number, ClassInfo>();
  private readonly classesByName = new Map<string, ClassInfo[]>();
  /** Local alias → fully qualified name (`wr` → `weakref`, `finalize` → `weakref.finalize`). */
  readonly imports = new Map<string, string>();
  /** Names bound at module level (assignments, imports, defs, classes, `global` writes). */
  readonly moduleNames: Set<string>;
  /** Module-level names bound by an import. */
  readonly importedNames: Set<string>;
  hasStarImport = false;
  readonly findings: RawFinding[] = [];

  constructor(
    readonly text: string,
    root: Node,
  ) {
    this.root = root;
    this.collectImports();
    const module = moduleNames(root);
    this.moduleNames = module.bound;
    this.importedNames = module.imported;
    this.collectClasses();
  }

  report(code: RuleCode, range: Range, message: string, fixes: QuickFix[] = []): void {
    this.findings.push({ code, range, message, fixes });
  }

  // ---- imports and qualified names -------------------------------------------------------------

  private collectImports(): void {
    walk(
      this.root,
      (n) => {
        if (n.type === 'import_statement') {
          for (const item of namedKids(n)) {
            if (item.type === 'dotted_name') {
              const first = namedKids(item)[0]?.text;
              if (first) this.imports.set(first, first);
            } else if (item.type === 'aliased_import') {
              const name = field(item, 'name')?.text;
              const alias = field(item, 'alias')?.text;
              if (name && alias) this.imports.set(alias, name);
            }
          }
          return false;
        }
        if (n.type === 'import_from_statement') {
          const moduleNode = field(n, 'module_name');
          const mod = moduleNode?.text ?? '';
          for (const item of n.childrenForFieldName('name')) {
            if (!item) continue;
            if (item.type === 'dotted_name') this.imports.set(item.text, `${mod}.${item.text}`);
            else if (item.type === 'aliased_import') {
              const name = field(item, 'name')?.text;
              const alias = field(item, 'alias')?.text;
              if (name && alias) this.imports.set(alias, `${mod}.${name}`);
            }
          }
          if (kids(n).some((c) => c.type === 'wildcard_import')) this.hasStarImport = true;
          return false;
        }
        return undefined;
      },
      { intoScopes: true },
    );
  }

  /**
   * Qualified dotted name of an identifier/attribute chain with imports resolved
   * (`wr.finalize` → `weakref.finalize`, `rmtree` → `shutil.rmtree`), or null.
   */
  qualify(node: Node | null): string | null {
    if (!node) return null;
    const parts = dottedParts(node);
    if (!parts) return null;
    const head = this.imports.get(parts[0]) ?? parts[0];
    return [head, ...parts.slice(1)].join('.');
  }

  /** Qualified name of the function a call invokes. */
  callee(call: Node): string | null {
    return this.qualify(field(call, 'function'));
  }

  // ---- classes ---------------------------------------------------------------------------------

  private collectClasses(): void {
    walk(
      this.root,
      (n) => {
        if (n.type !== 'class_definition') return;
        const info = this.buildClass(n);
        this.classes.push(info);
        this.classByNode.set(n.id, info);
        const list = this.classesByName.get(info.name) ?? [];
        list.push(info);
        this.classesByName.set(info.name, list);
      },
      { intoScopes: true },
    );
  }

  private buildClass(node: Node): ClassInfo {
    const body = field(node, 'body');
    const supers = field(node, 'superclasses');
    const bases = supers
      ? namedKids(supers).filter((b) => b.type !== 'keyword_argument' && b.type !== 'comment')
      : [];
    const methods = new Map<string, MethodInfo>();
    const classAttrs = new Set<string>();
    const instanceAttrs = new Map<string, Node[]>();
    const statements = body ? namedKids(body) : [];
    for (const stmt of statements) {
      const def = stmt.type === 'decorated_definition' ? field(stmt, 'definition') : stmt;
      if (def?.type === 'function_definition') {
        const decorators = decoratorsOf(def);
        let kind: MethodKind = 'instance';
        if (decorators.some((d) => /(^|\.)staticmethod$/.test(d))) kind = 'static';
        else if (decorators.some((d) => /(^|\.)classmethod$/.test(d))) kind = 'class';
        else if (decorators.some((d) => PROPERTY_DECORATORS.test(d))) kind = 'property';
        const name = nameOf(def);
        // Implicit classmethods / staticmethod of the data model.
        if (name === '__init_subclass__' || name === '__class_getitem__') kind = 'class';
        if (name === '__new__') kind = 'static';
        // A property setter redefines the name; keep the getter's kind.
        if (!methods.has(name) || kind !== 'instance') {
          methods.set(name, {
            name,
            node: def,
            kind,
            selfName: kind === 'instance' || kind === 'property' ? firstParamName(def) : null,
          });
        }
        continue;
      }
      if (def?.type === 'class_definition') {
        classAttrs.add(nameOf(def));
        continue;
      }
      if (stmt.type === 'expression_statement') {
        for (const a of namedKids(stmt)) {
          if (a.type === 'assignment') {
            for (const id of boundNames(field(a, 'left') as Node)) classAttrs.add(id.text);
          }
        }
      }
    }
    for (const m of methods.values()) {
      if (!m.selfName) continue;
      const self = m.selfName;
      walk(
        m.node,
        (n) => {
          if (n.type !== 'assignment' && n.type !== 'augmented_assignment') return;
          const left = field(n, 'left');
          if (!left) return;
          const targets =
            left.type === 'attribute' ? [left] : left.type.endsWith('list') ? namedKids(left) : [];
          for (const t of targets) {
            if (t.type !== 'attribute') continue;
            const obj = field(t, 'object');
            const attr = field(t, 'attribute');
            if (obj?.type === 'identifier' && obj.text === self && attr) {
              const list = instanceAttrs.get(attr.text) ?? [];
              list.push(t);
              instanceAttrs.set(attr.text, list);
            }
          }
        },
        { intoScopes: true },
      );
    }
    let topLevel = node.parent?.type === 'module';
    if (node.parent?.type === 'decorated_definition') {
      topLevel = node.parent.parent?.type === 'module';
    }
    return {
      node,
      name: nameOf(node),
      body,
      bases,
      methods,
      classAttrs,
      instanceAttrs,
      topLevel,
    };
  }

  classOf(node: Node): ClassInfo | undefined {
    return this.classByNode.get(node.id);
  }

  /** The class a method (function_definition) belongs to. */
  classOfMethod(fn: Node): ClassInfo | undefined {
    const cls = methodClass(fn);
    return cls ? this.classOf(cls) : undefined;
  }

  /** A class defined in this file named `name` (module-level first). */
  resolveClass(base: Node | string): ClassInfo | undefined {
    const name = typeof base === 'string' ? base : base.type === 'identifier' ? base.text : null;
    if (!name) return undefined;
    const list = this.classesByName.get(name);
    if (!list) return undefined;
    return list.find((c) => c.topLevel) ?? list[0];
  }

  private readonly ancestorCache = new Map<ClassInfo, ClassInfo[]>();

  /** In-file ancestors, nearest first (depth-first, left to right, no repeats). */
  ancestors(cls: ClassInfo): ClassInfo[] {
    const cached = this.ancestorCache.get(cls);
    if (cached) return cached;
    const out: ClassInfo[] = [];
    this.ancestorCache.set(cls, out);
    const seen = new Set<number>([cls.node.id]);
    const visit = (c: ClassInfo) => {
      for (const b of c.bases) {
        const r = this.resolveClass(b);
        if (r && !seen.has(r.node.id)) {
          seen.add(r.node.id);
          out.push(r);
          visit(r);
        }
      }
    };
    visit(cls);
    return out;
  }

  /** Base expressions (of the class or its in-file ancestors) that are not defined in this file. */
  externalBases(cls: ClassInfo): Node[] {
    const out: Node[] = [];
    for (const c of [cls, ...this.ancestors(cls)]) {
      for (const b of c.bases) {
        if (this.resolveClass(b)) continue;
        if (b.type === 'identifier' && b.text === 'object') continue;
        out.push(b);
      }
    }
    return out;
  }

  /** A method `name` in the class or an in-file ancestor. */
  findMethod(cls: ClassInfo, name: string): { cls: ClassInfo; method: MethodInfo } | undefined {
    for (const c of [cls, ...this.ancestors(cls)]) {
      const m = c.methods.get(name);
      if (m) return { cls: c, method: m };
    }
    return undefined;
  }

  /**
   * Does `self.<attr>` evaluate to a bound method of `self`? True for instance methods of the class
   * or an in-file ancestor; when the class has a base we cannot see, also for names that are never
   * assigned as data (`self.x = ...`) or class attributes (probably inherited methods).
   */
  isBoundMethod(cls: ClassInfo | undefined, attr: string): boolean {
    if (!cls) return false;
    const found = this.findMethod(cls, attr);
    if (found) return found.method.kind === 'instance';
    if (attr.startsWith('__') && attr.endsWith('__')) return false;
    for (const c of [cls, ...this.ancestors(cls)]) {
      if (c.classAttrs.has(attr) || c.instanceAttrs.has(attr)) return false;
    }
    return this.externalBases(cls).length > 0 && !/^[A-Z0-9_]+$/.test(attr);
  }

  /** Is this `function_definition` a real finalizer (a `__del__` method of a class)? */
  isFinalizer(fn: Node): boolean {
    return nameOf(fn) === '__del__' && methodClass(fn) !== null;
  }

  /** Every `__del__` method in the file. */
  finalizers(): Array<{ fn: Node; cls: ClassInfo; self: string | null }> {
    const out: Array<{ fn: Node; cls: ClassInfo; self: string | null }> = [];
    for (const cls of this.classes) {
      const m = cls.methods.get('__del__');
      if (m && m.kind === 'instance') out.push({ fn: m.node, cls, self: m.selfName });
    }
    return out;
  }

  /** `def`/`decorated_definition` statement of a method. */
  methodStatement(m: MethodInfo): Node {
    return definitionStatement(m.node);
  }
}
