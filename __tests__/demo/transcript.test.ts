import { shouldUseColor, Transcript } from '../../scripts/demo/transcript';

function collect(color: boolean): { t: Transcript; text: () => string } {
  const chunks: string[] = [];
  return {
    t: new Transcript({ write: (s: string) => chunks.push(s) }, color),
    text: () => chunks.join(''),
  };
}

describe('shouldUseColor()', () => {
  it.each<[string, boolean | undefined, NodeJS.ProcessEnv, boolean]>([
    ['a terminal', true, {}, true],
    ['a terminal with NO_COLOR=1', true, { NO_COLOR: '1' }, false],
    [
      'a terminal with an empty NO_COLOR (https://no-color.org: ignored)',
      true,
      { NO_COLOR: '' },
      true,
    ],
    ['a dumb terminal', true, { TERM: 'dumb' }, false],
    ['a pipe', false, {}, false],
    ['a stream without isTTY', undefined, {}, false],
  ])('%s', (_name, isTTY, env, expected) => {
    expect(shouldUseColor(isTTY === undefined ? {} : { isTTY }, env)).toBe(expected);
  });
});

describe('Transcript', () => {
  function writeAll(t: Transcript): void {
    t.title('Title');
    t.heading('Heading');
    t.step(2, 8, 'Step');
    t.detail('value', 'label');
    t.detail('no label');
    t.pass('passed');
    t.fail('failed');
    t.warn('careful');
    t.plain('plain');
  }

  it('writes plain lines without colour', () => {
    const { t, text } = collect(false);
    writeAll(t);
    expect(text()).toBe(
      [
        'Title',
        '',
        'Heading',
        '',
        '[2/8] Step',
        '  label        value',
        '  no label',
        '  ✓ passed',
        '  ✗ failed',
        '! careful',
        'plain',
        '',
      ].join('\n'),
    );
    expect(t.paint('red', 'x')).toBe('x');
  });

  it('wraps styled text in ANSI escapes with colour', () => {
    const { t, text } = collect(true);
    writeAll(t);
    expect(text()).toContain('\u001b[1mTitle\u001b[22m\n');
    expect(text()).toContain('\u001b[36m[2/8]\u001b[39m \u001b[1mStep\u001b[22m\n');
    expect(text()).toContain('  \u001b[32m✓ passed\u001b[39m\n');
    expect(text()).toContain('  \u001b[31m✗ failed\u001b[39m\n');
    expect(text()).toContain('\u001b[33m! careful\u001b[39m\n');
    expect(text()).toContain('  \u001b[2mlabel       \u001b[22m value\n');
  });
});
