/**
 * User annotations of a run (rename, notes, tags, star) live in its run.json. The file is read as
 * plain JSON and rewritten atomically with only the annotated fields changed, so fields this
 * version does not know (a newer minor writer's additions) survive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../run/run-folder';
import { writeJsonAtomic } from '../run/atomic-write';
import { manifestProblem } from './discovery';

export interface RunAnnotations {
  name?: string;
  notes?: string;
  tags?: string[];
  starred?: boolean;
}

export class AnnotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnnotationError';
  }
}

export const MAX_NAME_LENGTH = 200;
export const MAX_NOTES_LENGTH = 100_000;
export const MAX_TAG_LENGTH = 60;

/** Trimmed, unique, non-empty tags in first-seen order. */
export function normalizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const t = raw.trim().replace(/\s+/g, ' ');
    if (!t) continue;
    if (t.length > MAX_TAG_LENGTH) throw new AnnotationError(`tag "${t.slice(0, 20)}…" is longer than ${MAX_TAG_LENGTH} characters`);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** "a, b,  c" (what a user types in an input box) → ['a', 'b', 'c']. */
export function parseTagList(text: string): string[] {
  return normalizeTags(text.split(','));
}

export function annotateRun(dir: string, patch: RunAnnotations): Record<string, unknown> {
  const file = path.join(dir, RUN_FILES.manifest);
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new AnnotationError(`cannot annotate ${dir}: ${(e as Error).message}`);
  }
  const problem = manifestProblem(manifest);
  if (problem) throw new AnnotationError(`cannot annotate ${dir}: ${problem}`);
  const next = { ...manifest };
  if (patch.name !== undefined) {
    const name = patch.name.trim();
    if (!name) throw new AnnotationError('a run name cannot be empty');
    if (name.length > MAX_NAME_LENGTH) throw new AnnotationError(`a run name is at most ${MAX_NAME_LENGTH} characters`);
    next.name = name;
  }
  if (patch.notes !== undefined) {
    if (patch.notes.length > MAX_NOTES_LENGTH) throw new AnnotationError(`notes are at most ${MAX_NOTES_LENGTH} characters`);
    if (patch.notes.trim()) next.notes = patch.notes;
    else delete next.notes;
  }
  if (patch.tags !== undefined) {
    const tags = normalizeTags(patch.tags);
    if (tags.length) next.tags = tags;
    else delete next.tags;
  }
  if (patch.starred !== undefined) {
    if (patch.starred) next.starred = true;
    else delete next.starred;
  }
  writeJsonAtomic(file, next);
  return next;
}
