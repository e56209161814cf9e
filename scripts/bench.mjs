// `npm run bench`: runs every benchmark module scripts/bench/*.bench.mjs, prints ONE table of
// their rows (all measured in this run), compares each row with the newest earlier run that
// measured it, and writes the table as JSON
// (bench-results/latest.json, plus a timestamped copy).
//
//   npm run bench -- [--sizes 100000,1000000,2000000] [--only agent,engine] [--python PY]
//
// A module adds rows without touching this file: it exports `title` (and optionally `order`)
// and a default async function `(context) => rows`. A row is
//   { group, metric, value, unit, target?, ok?, note? }
// `group` + `metric` identify a row across runs; `value` is a number (or null when not
// measurable here, with a `note` saying why); `target` is the goal in words ("≤ 2.5×") and `ok`
// whether this run meets it. See scripts/bench/README.md.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findPython } from './python.mjs';

const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, 'scripts', 'bench');
const resultsDir = join(root, 'bench-results');

function parseArgs(argv) {
  const options = { sizes: [100_000, 1_000_000, 2_000_000], only: null, python: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--sizes')
      options.sizes = value()
        .split(',')
        .map((s) => Number(s.replace(/_/g, '')));
    else if (arg === '--only') options.only = value().split(',');
    else if (arg === '--python') options.python = value();
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run bench -- [--sizes N,N,...] [--only MODULE,...] [--python PY]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  if (options.sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new Error('--sizes takes positive integers, e.g. 100000,1000000');
  }
  return options;
}

async function loadModules(only) {
  const files = readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.mjs'))
    .sort();
  const modules = [];
  for (const file of files) {
    const name = file.replace(/\.bench\.mjs$/, '');
    if (only && !only.includes(name)) continue;
    const mod = await import(pathToFileURL(join(benchDir, file)).href);
    if (typeof mod.default !== 'function') {
      throw new Error(`scripts/bench/${file} has no default export (a function returning rows)`);
    }
    modules.push({
      name,
      file,
      title: mod.title ?? name,
      order: mod.order ?? 100,
      run: mod.default,
    });
  }
  return modules.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

const key = (row) => `${row.group} · ${row.metric}`;

/** For each row of this run, its value in the newest earlier run that measured it (a run with
 * --only measures some rows; older runs still hold the others). */
function earlierRows(rows) {
  const previousByKey = new Map();
  const previousDates = new Set();
  const wanted = new Set(rows.map(key));
  const runs = readdirSync(resultsDir)
    .filter((f) => /^bench-.*\.json$/.test(f))
    .sort()
    .reverse();
  for (const file of runs) {
    if (wanted.size === 0) break;
    let run;
    try {
      run = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
    } catch {
      continue; // a truncated or foreign file: skip it
    }
    for (const row of run.rows ?? []) {
      const k = key(row);
      if (wanted.has(k)) {
        wanted.delete(k);
        previousByKey.set(k, row.value);
        previousDates.add(run.date);
      }
    }
  }
  return { previousByKey, previousDates };
}

function formatValue(value, unit) {
  if (value === null || value === undefined) return '—';
  let text;
  if (unit === 'bytes') text = value >= 1e6 ? `${(value / 1e6).toFixed(1)} MB` : `${value} B`;
  else if (Math.abs(value) >= 1000 && Number.isInteger(value)) text = value.toLocaleString('en-US');
  else if (Math.abs(value) >= 100) text = value.toFixed(0);
  else if (Math.abs(value) >= 10) text = value.toFixed(1);
  else text = value.toFixed(value >= 1 ? 2 : 3);
  if (unit === 'bytes' || !unit) return text;
  return unit === '×' ? `${text}×` : `${text} ${unit}`;
}

function change(previous, current) {
  if (previous === undefined || previous === null || current === null || previous === 0) return '';
  const ratio = current / previous;
  if (Math.abs(ratio - 1) < 0.005) return '=';
  return `${ratio > 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(0)}%`;
}

function printTable(rows, previousByKey) {
  const header = ['group', 'metric', 'value', 'target', 'met', 'previous', 'change'];
  const lines = rows.map((row) => {
    const previous = previousByKey.get(key(row));
    return [
      row.group,
      row.metric,
      formatValue(row.value, row.unit),
      row.target ?? '',
      row.ok === undefined ? '' : row.ok ? 'yes' : 'NO',
      previous === undefined ? '' : formatValue(previous, row.unit),
      change(previous, row.value),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const format = (cells) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let group = null;
  lines.forEach((cells, i) => {
    if (group !== null && rows[i].group !== group) console.log('');
    group = rows[i].group;
    console.log(format(cells));
  });
  const notes = rows.filter((r) => r.note).map((r) => `  ${key(r)}: ${r.note}`);
  if (notes.length > 0) console.log(`\nNotes:\n${notes.join('\n')}`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const modules = await loadModules(options.only);
  if (modules.length === 0) throw new Error('no benchmark module matches --only');
  const python = options.python ?? findPython();
  const machine = {
    platform: `${platform()} ${release()}`,
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
  mkdirSync(resultsDir, { recursive: true });
  const context = {
    root,
    python,
    sizes: options.sizes,
    resultsDir,
    /** Snapshot path per heap size, shared between modules (agent writes, engine reads). */
    snapshots: new Map(),
    log: (message) => console.error(`[bench] ${message}`),
  };
  if (machine.loadAverageAtStart[0] > machine.cores * 0.5) {
    context.log(
      `load average ${machine.loadAverageAtStart[0]} on ${machine.cores} cores: other work competes; ` +
        'wall-clock figures will be noisy (CPU-time rows are steadier)',
    );
  }

  const rows = [];
  const ran = [];
  for (const mod of modules) {
    context.log(`${mod.file}: ${mod.title}`);
    const started = Date.now();
    let produced;
    try {
      produced = await mod.run(context);
    } catch (error) {
      // One module failing must not lose the others' rows: say so in the table.
      context.log(`${mod.file} failed: ${error.stack ?? error}`);
      const first = String(error.message ?? error).split('\n')[0];
      produced = [{ group: mod.name, metric: 'module failed', value: null, note: first }];
    }
    for (const row of produced) rows.push({ module: mod.name, ...row });
    ran.push({
      module: mod.name,
      file: `scripts/bench/${mod.file}`,
      title: mod.title,
      rows: produced.length,
      seconds: (Date.now() - started) / 1000,
    });
  }

  const latestPath = join(resultsDir, 'latest.json');
  const { previousByKey, previousDates } = earlierRows(rows);

  console.log(`\nPython Heap Inspector benchmark — ${new Date().toISOString()}`);
  console.log(
    `${machine.cpu}, ${machine.cores} cores, ${machine.platform}, node ${machine.node}, ` +
      `load average at start ${machine.loadAverageAtStart.join(' ')}`,
  );
  if (previousDates.size > 0) {
    const dates = [...previousDates].sort().join(', ');
    console.log(`"previous": the newest earlier run that measured the row (${dates}).`);
  }
  console.log('');
  printTable(rows, previousByKey);
  console.log('\nRows in this table come from:');
  for (const r of ran)
    console.log(`  ${r.file} — ${r.title}: ${r.rows} rows (${r.seconds.toFixed(0)} s)`);
  console.log(
    'Other benchmarks add rows with a scripts/bench/<name>.bench.mjs module (scripts/bench/README.md).',
  );
  const targets = rows.filter((r) => r.ok !== undefined);
  const missed = targets.filter((r) => !r.ok);
  console.log(`\nTargets met: ${targets.length - missed.length} of ${targets.length}.`);

  const result = {
    date: new Date().toISOString(),
    machine,
    python,
    sizes: options.sizes,
    modules: ran,
    rows,
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(latestPath, text);
  writeFileSync(join(resultsDir, `bench-${result.date.replace(/[:.]/g, '-')}.json`), text);
  console.log('Written to bench-results/latest.json.');
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
