import {
  booleanOption,
  checkOptions,
  didYouMean,
  enumOption,
  integerOption,
} from '../../lib/internal/options';

interface Options {
  trustProxy?: string | undefined;
  maxHeaderBytes?: number | undefined;
  format?: string | undefined;
}
const KNOWN = ['trustProxy', 'maxHeaderBytes', 'format'] as const;

describe('didYouMean', () => {
  it.each([
    ['trustproxy', 'trustProxy'],
    ['trustProxies', 'trustProxy'],
    ['maxHeaderByte', 'maxHeaderBytes'],
    ['fromat', 'format'],
    ['FORMAT', 'format'],
  ])('suggests the closest known name for %s', (name, suggestion) => {
    expect(didYouMean(name, KNOWN)).toBe(` Did you mean "${suggestion}"?`);
  });

  it.each(['headers', 'x', 'somethingElseEntirely'])('suggests nothing for %s', (name) => {
    expect(didYouMean(name, KNOWN)).toBe('');
  });

  it('suggests nothing when nothing is known', () => {
    expect(didYouMean('format', [])).toBe('');
  });
});

describe('checkOptions', () => {
  it('treats undefined as no options', () => {
    expect(checkOptions<Options>('f()', undefined, KNOWN)).toEqual({});
  });

  it('returns the object itself when every key is known', () => {
    const options = { format: 'pem', trustProxy: undefined };
    expect(checkOptions<Options>('f()', options, KNOWN)).toBe(options);
  });

  it('accepts an empty object', () => {
    expect(checkOptions<Options>('f()', {}, KNOWN)).toEqual({});
  });

  it.each([
    ['null', null],
    ['a string', 'pem'],
    ['a number', 1],
    ['an array', []],
    ['a function', () => undefined],
  ])('throws a TypeError for %s', (_name, value) => {
    expect(() => checkOptions<Options>('clientCertificate()', value as Options, KNOWN)).toThrow(
      new TypeError('clientCertificate(): options must be an object.'),
    );
  });

  it('names a misspelled option, suggests the fix and lists the known ones', () => {
    expect(() =>
      checkOptions<Options>('clientCertificate()', { fromat: 'pem' } as Options, KNOWN),
    ).toThrow(
      new TypeError(
        'clientCertificate(): unknown option "fromat". Did you mean "format"? Known options: trustProxy, maxHeaderBytes, format.',
      ),
    );
  });

  it('refuses an unknown option even when its value is undefined', () => {
    expect(() => checkOptions<Options>('f()', { other: undefined } as Options, KNOWN)).toThrow(
      'f(): unknown option "other". Known options: trustProxy, maxHeaderBytes, format.',
    );
  });
});

describe('integerOption', () => {
  it('returns the default for undefined and the value otherwise', () => {
    expect(integerOption('f()', 'max', undefined, 7)).toBe(7);
    expect(integerOption('f()', 'max', 0, 7)).toBe(0);
    expect(integerOption('f()', 'max', 3, 7, 3)).toBe(3);
  });

  it.each([
    ['a negative number', -1],
    ['a fraction', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a numeric string', '5'],
    ['null', null],
    ['a boolean', true],
  ])('throws a TypeError for %s', (_name, value) => {
    expect(() => integerOption('f()', 'maxChainLength', value, 1)).toThrow(
      new TypeError('f(): "maxChainLength" must be an integer ≥ 0.'),
    );
  });

  it('enforces a minimum', () => {
    expect(() => integerOption('f()', 'max', 0, 5, 1)).toThrow(
      'f(): "max" must be an integer ≥ 1.',
    );
  });
});

describe('booleanOption', () => {
  it('returns the default for undefined and the value otherwise', () => {
    expect(booleanOption('f()', 'flag', undefined, true)).toBe(true);
    expect(booleanOption('f()', 'flag', false, true)).toBe(false);
  });

  it.each([
    ['a string', 'true'],
    ['a number', 1],
    ['null', null],
  ])('throws a TypeError for %s', (_name, value) => {
    expect(() => booleanOption('f()', 'dangerouslyTrustAnyProxy', value, false)).toThrow(
      new TypeError('f(): "dangerouslyTrustAnyProxy" must be a boolean.'),
    );
  });
});

describe('enumOption', () => {
  const FORMATS = ['nginx', 'pem', 'der-base64'] as const;

  it('returns the default for undefined and the value otherwise', () => {
    expect(enumOption('f()', 'format', undefined, FORMATS, 'pem')).toBe('pem');
    expect(enumOption('f()', 'format', 'nginx', FORMATS, 'pem')).toBe('nginx');
  });

  it('lists the allowed values and suggests the closest one', () => {
    expect(() => enumOption('f()', 'format', 'ngnix', FORMATS, 'pem')).toThrow(
      new TypeError(
        'f(): "format" must be one of "nginx", "pem", "der-base64". Did you mean "nginx"?',
      ),
    );
  });

  it('lists the allowed values without a suggestion for a far-off or non-string value', () => {
    const message = 'f(): "format" must be one of "nginx", "pem", "der-base64".';
    expect(() => enumOption('f()', 'format', 'haproxy-something', FORMATS, 'pem')).toThrow(
      new TypeError(message),
    );
    expect(() => enumOption('f()', 'format', 42, FORMATS, 'pem')).toThrow(new TypeError(message));
    expect(() => enumOption('f()', 'format', null, FORMATS, 'pem')).toThrow(new TypeError(message));
  });

  it('is case-sensitive, with a hint', () => {
    expect(() => enumOption('f()', 'format', 'PEM', FORMATS, 'pem')).toThrow('Did you mean "pem"?');
  });
});
