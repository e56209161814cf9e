/** Per-rule settings: enable/disable and severity override. */
import { RULE_CODES, SEVERITIES, type RuleCode, type Severity } from './types';

export interface RuleSettings {
  /** Default true. */
  enabled?: boolean;
  /** Overrides the rule's default severity. */
  severity?: Severity;
}

export interface LintSettings {
  /** Per-code settings; codes not listed use their defaults. */
  rules?: Partial<Record<RuleCode, RuleSettings>>;
}

export function isRuleCode(value: unknown): value is RuleCode {
  return typeof value === 'string' && (RULE_CODES as readonly string[]).includes(value);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/**
 * Builds `LintSettings` from untrusted JSON (e.g. editor configuration), dropping anything
 * malformed. Accepts `{ rules: { HI001: { enabled, severity } } }`, and also the shorthand
 * `{ rules: { HI001: false, HI004: "hint" } }`.
 */
export function normalizeSettings(raw: unknown): LintSettings {
  const out: Partial<Record<RuleCode, RuleSettings>> = {};
  const rules =
    raw && typeof raw === 'object' && 'rules' in raw ? (raw as { rules: unknown }).rules : null;
  if (!rules || typeof rules !== 'object') return { rules: out };
  for (const [key, value] of Object.entries(rules as Record<string, unknown>)) {
    const code = key.toUpperCase();
    if (!isRuleCode(code)) continue;
    if (typeof value === 'boolean') out[code] = { enabled: value };
    else if (isSeverity(value)) out[code] = { severity: value };
    else if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      const s: RuleSettings = {};
      if (typeof v.enabled === 'boolean') s.enabled = v.enabled;
      if (isSeverity(v.severity)) s.severity = v.severity;
      out[code] = s;
    }
  }
  return { rules: out };
}

export function ruleEnabled(settings: LintSettings | undefined, code: RuleCode): boolean {
  return settings?.rules?.[code]?.enabled !== false;
}

export function ruleSeverity(
  settings: LintSettings | undefined,
  code: RuleCode,
  fallback: Severity,
): Severity {
  return settings?.rules?.[code]?.severity ?? fallback;
}
