/** Every rule, in code order. */
import { hi001 } from './rules/hi001';
import { hi002 } from './rules/hi002';
import { hi003 } from './rules/hi003';
import { hi004 } from './rules/hi004';
import { hi005 } from './rules/hi005';
import { hi006 } from './rules/hi006';
import { hi007 } from './rules/hi007';
import { hi008 } from './rules/hi008';
import { hi009 } from './rules/hi009';
import { hi010 } from './rules/hi010';
import { hi011 } from './rules/hi011';
import type { Rule } from './rules/rule';
import type { RuleCode } from './types';

export type { Rule };

export const RULES: readonly Rule[] = [
  hi001,
  hi002,
  hi003,
  hi004,
  hi005,
  hi006,
  hi007,
  hi008,
  hi009,
  hi010,
  hi011,
];

const BY_CODE = new Map<RuleCode, Rule>(RULES.map((r) => [r.code, r]));

export function getRule(code: RuleCode): Rule {
  const rule = BY_CODE.get(code);
  if (!rule) throw new Error(`unknown rule ${code}`);
  return rule;
}

/** Repository-relative documentation page of a rule. */
export function docsPath(code: RuleCode): string {
  return `docs/rules/${code}.md`;
}
