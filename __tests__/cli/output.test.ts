import type { CliIo } from '../../lib/cli/input';
import { rows, writeJson } from '../../lib/cli/output';

describe('output helpers', () => {
  it('rows() aligns values after the longest label and trims trailing space', () => {
    expect(
      rows([
        ['a', '1'],
        ['long label', '2'],
        ['empty', ''],
      ]),
    ).toEqual(['  a           1', '  long label  2', '  empty']);
    expect(rows([['x', 'y']], 4)).toEqual(['    x  y']);
  });

  it('writeJson() writes indented JSON and a newline', () => {
    let written = '';
    const io = { stdout: { write: (s: string) => (written += s) } } as unknown as CliIo;
    writeJson(io, { a: [1], b: null });
    expect(written).toBe('{\n  "a": [\n    1\n  ],\n  "b": null\n}\n');
  });
});
