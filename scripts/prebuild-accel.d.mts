/** The digest of the accelerator's sources, as server/runner/accelerator.ts computes it. */
export function acceleratorSourceDigest(folder?: string): string;
/** The packaging machine's interpreters. */
export function packagingPythons(): string[];
/** Builds prebuilt accelerators into `out`; one per extension suffix. */
export function prebuild(
  out: string,
  pythons?: string[],
): { modules: Record<string, string>; skipped: string[] };
