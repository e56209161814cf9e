/**
 * The agent's modules compiled once per interpreter (agent/build_agent_code.py), so that the first
 * capture of a run unmarshals their code instead of compiling ~35 modules from source in the
 * program's process, inside the pause.
 *
 * Kept only in the runner cache (runnerCache.ts: a folder only we can write, files only we own),
 * never beside the agent; with no safe cache there is no file and the agent is compiled from
 * source as before (building one per run would cost more than it saves). The name's digest covers
 * the interpreter's cache tag, the agent folder's path and every module's content, so an edited
 * agent gets a new file. The file is checked again where it is used: bootstrap.py takes a module's
 * code from it only when the interpreter's bytecode version, the optimisation level, the file's
 * checksum, the path and the module's current source all match, and compiles it otherwise.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { agentDirectory, agentPackageDirectory, compiledFileName } from './agentFiles';
import type { PythonInfo } from './pythonInfo';
import { buildPrivateFile, trustedFile } from './runnerCache';

const BUILDER = 'build_agent_code.py';
/** build_agent_code.py's header: magic number, tag, optimisation level, payload length, hash. */
const HEADER_BYTES = 28;
const TAG = 'HIAG';

/** The files the compiled agent is built from, relative to agent/: every module, the builder. */
export function agentCodeFiles(): string[] {
  const modules = readdirSync(agentPackageDirectory())
    .filter((name) => name.endsWith('.py'))
    .sort()
    .map((name) => `heap_inspector_agent/${name}`);
  return [...modules, BUILDER];
}

/** The file's name for an interpreter (its cache tag) and these sources. */
export function agentCodeName(cacheTag: string): string {
  return compiledFileName('heap_inspector_agent', cacheTag, agentCodeFiles(), 'code');
}

/** Whole as written: the tag, and as many bytes as the header says (a cut file is rebuilt). */
function complete(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const header = Buffer.alloc(HEADER_BYTES);
    if (readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return false;
    if (header.toString('latin1', 4, 8) !== TAG) return false;
    return header.readBigUInt64LE(12) === BigInt(fstatSync(fd).size - HEADER_BYTES);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function buildInto(python: PythonInfo, folder: string, name: string): boolean {
  // The binary the named command ran, when it said: a launcher (pyenv's shim) adds a start.
  // bootstrap.py refuses code of another bytecode version, so a wrong guess only costs speed.
  return buildPrivateFile(folder, name, (temporary) => ({
    executable: python.resolved ?? python.executable,
    args: ['-I', '-B', join(agentDirectory(), BUILDER), agentPackageDirectory(), temporary],
  }));
}

/** The compiled agent for this interpreter in the checked cache `folder`, or null (none). */
export function agentCode(python: PythonInfo, cacheFolder: string | null): string | null {
  if (cacheFolder === null) return null;
  let name: string;
  try {
    name = agentCodeName(python.cacheTag);
  } catch {
    return null; // the agent's folder cannot be read: the runner reports what it finds
  }
  const path = join(cacheFolder, name);
  if (trustedFile(path) && complete(path)) return path;
  return buildInto(python, cacheFolder, name) ? path : null;
}
