import type { LintContext } from '../context';
import type { RuleCode, Severity } from '../types';

/** One lint rule: stable code, metadata, and a check that reports into the context. */
export interface Rule {
  code: RuleCode;
  /** Short kebab-case name, e.g. `del-releases-resource`. */
  name: string;
  /** One line describing the trap. */
  title: string;
  defaultSeverity: Severity;
  check(ctx: LintContext): void;
}
