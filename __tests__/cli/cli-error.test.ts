import { CliError, EXIT } from '../../lib/cli/cli-error';

describe('CliError and EXIT', () => {
  it('carries a message and an optional hint', () => {
    const plain = new CliError('bad input');
    expect(plain).toBeInstanceOf(Error);
    expect(plain.name).toBe('CliError');
    expect(plain.message).toBe('bad input');
    expect(plain.hint).toBeUndefined();
    expect(new CliError('bad input', 'Try this.').hint).toBe('Try this.');
  });

  it('has the documented exit codes', () => {
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2, internal: 70 });
    expect(Object.isFrozen(EXIT)).toBe(true);
  });
});
