/**
 * Summarises a V8 `.cpuprofile` (as written by `node --cpu-prof`, e.g. by
 * `npm run bench -- --profile`): self time by function and by package, heaviest first.
 *
 * Usage: `node .tmp/bench/bench/profile-summary.js <file.cpuprofile> [top]`
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One line of the summary. */
export interface ProfileLine {
  readonly name: string;
  readonly percent: number;
}

function where(url: string): string {
  if (url === '') return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url;
  const lib = url.indexOf('/lib/');
  return lib !== -1 ? url.slice(lib + 1) : url;
}

/** Self time per function and per file or package, as percentages of the busy (not idle) time. */
export function summarizeProfile(profile: Profile): {
  byFunction: ProfileLine[];
  byPlace: ProfileLine[];
} {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if ((nodes.get(id) as ProfileNode).callFrame.functionName === '(idle)') return;
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfTime.values()].reduce((a, b) => a + b, 0) || 1;
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const frame = (nodes.get(id) as ProfileNode).callFrame;
    const place = where(frame.url);
    const fn = `${frame.functionName || '(anonymous)'} ${place}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + time);
    byPlace.set(place, (byPlace.get(place) ?? 0) + time);
  }
  const lines = (map: Map<string, number>): ProfileLine[] =>
    [...map]
      .map(([name, time]) => ({ name, percent: (100 * time) / total }))
      .sort((a, b) => b.percent - a.percent);
  return { byFunction: lines(byFunction), byPlace: lines(byPlace) };
}

/* istanbul ignore next -- the command's entry point */
if (require.main === module) {
  const [file, top = '25'] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: profile-summary <file.cpuprofile> [top]');
    process.exit(2);
  }
  const { byFunction, byPlace } = summarizeProfile(
    JSON.parse(readFileSync(file, 'utf8')) as Profile,
  );
  const show = (title: string, list: ProfileLine[]): void => {
    console.log(title);
    for (const line of list.slice(0, Number(top))) {
      console.log(`${line.percent.toFixed(1).padStart(6)}%  ${line.name}`);
    }
  };
  show('self time by file or package:', byPlace);
  show('\nself time by function:', byFunction);
}
