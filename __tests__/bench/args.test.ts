import { parseBenchArgs, USAGE } from '../../bench/args';

describe('parseBenchArgs', () => {
  it('defaults to 3 rounds of 5 s, 16 connections, a 20,000-leaf pool and micro-benchmarks', () => {
    expect(parseBenchArgs([])).toEqual({
      check: false,
      quick: false,
      rounds: 3,
      seconds: 5,
      warmupSeconds: 1,
      connections: [16],
      poolSize: 20_000,
      http: true,
      microMs: 400,
      profile: false,
      cases: undefined,
      help: false,
    });
  });

  it('--quick: one round of 1 s, a small pool and short micro-benchmarks, overridable', () => {
    expect(parseBenchArgs(['--quick'])).toMatchObject({
      quick: true,
      rounds: 1,
      seconds: 1,
      poolSize: 2_000,
      microMs: 50,
    });
    expect(parseBenchArgs(['--rounds', '2', '--quick'])).toMatchObject({ quick: true, rounds: 2 });
  });

  it('reads every option', () => {
    expect(
      parseBenchArgs([
        '--check',
        '--rounds',
        '4',
        '--duration',
        '7',
        '--connections',
        '8',
        '--cases',
        'bare,full-cold',
        '--no-micro',
        '--no-http',
        '--profile',
        '--help',
      ]),
    ).toMatchObject({
      check: true,
      rounds: 4,
      seconds: 7,
      connections: [8],
      cases: ['bare', 'full-cold'],
      microMs: 0,
      http: false,
      profile: true,
      help: true,
    });
  });

  it('--connections takes a list: every count is timed, once each, in the given order', () => {
    expect(parseBenchArgs(['--connections', '16,50']).connections).toEqual([16, 50]);
    expect(parseBenchArgs(['--connections', '50,16,50']).connections).toEqual([50, 16]);
  });

  it.each([
    [['--rounds'], '--rounds needs a positive integer'],
    [['--rounds', '0'], '--rounds needs a positive integer'],
    [['--duration', '1.5'], '--duration needs a positive integer'],
    [['--connections', 'many'], '--connections needs a positive integer or a list of them (16,50)'],
    [['--connections', '16,'], '--connections needs a positive integer or a list of them'],
    [['--connections', '16,0'], '--connections needs a positive integer or a list of them'],
    [['--connections'], '--connections needs a positive integer or a list of them'],
    [
      ['--cases'],
      '--cases needs case ids among bare, peer, cert, binding, full, full-otel, peer-cold, binding-cold, full-cold, bare-chain, peer-chain, full-chain, peer-chain-cold, full-chain-cold',
    ],
    [['--cases', 'bare,nope'], '(not nope)'],
    [['--fast'], 'unknown option --fast'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(TypeError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('documents every option in the usage text', () => {
    for (const option of [
      '--quick',
      '--check',
      '--rounds',
      '--duration',
      '--connections',
      '--cases',
      '--no-micro',
      '--no-http',
      '--profile',
      '--help',
    ]) {
      expect(USAGE).toContain(option);
    }
  });
});
