import { prepareCaseIgnoreString } from '../../lib/internal/string-preparation';

describe('prepareCaseIgnoreString (RFC 4518 §2, caseIgnoreMatch)', () => {
  describe('legitimate equivalences', () => {
    it.each([
      ['ASCII case', 'ADMIN', ' admin '],
      ['§2.6.1 insignificant spaces', '  Jane   Q.  Public  ', ' jane  q.  public '],
      ['§2.6.1 one inner space becomes two', 'a b', ' a  b '],
      ['§2.6.1 empty string', '', '  '],
      ['§2.6.1 only spaces', '   ', '  '],
      ['§2.2 TAB, LF, VT, FF, CR map to SPACE', 'a\tb\nc\vd\fe\rf', ' a  b  c  d  e  f '],
      ['§2.2 NEL, LS, PS map to SPACE', 'a\u0085b\u2028c\u2029d', ' a  b  c  d '],
      ['§2.2 NO-BREAK SPACE maps to SPACE', 'a\u00a0b', ' a  b '],
      ['§2.2 EM SPACE and IDEOGRAPHIC SPACE map to SPACE', 'a\u2003b\u3000c', ' a  b  c '],
      ['B.1 SOFT HYPHEN maps to nothing', 'ad\u00admin', ' admin '],
      ['B.1 ZERO WIDTH SPACE maps to nothing', 'ad\u200bmin', ' admin '],
      ['B.1 ZERO WIDTH JOINER maps to nothing', 'ad\u200dmin', ' admin '],
      ['B.1 ZERO WIDTH NON-JOINER maps to nothing', 'ad\u200cmin', ' admin '],
      ['B.1 BYTE ORDER MARK maps to nothing', '\ufeffadmin', ' admin '],
      ['B.1 variation selector maps to nothing', 'admin\ufe0f', ' admin '],
      ['§2.2 bidi override (Cf) maps to nothing', '\u202eadmin\u202c', ' admin '],
      ['§2.2 tag characters map to nothing', 'admin\u{e0001}\u{e0041}', ' admin '],
      ['B.2 ß folds to ss', 'Straße', ' strasse '],
      ['B.2 Latin-1 upper case', 'JÜRGEN', ' jürgen '],
      ['NFKC composes', 'Ju\u0308rgen', ' jürgen '],
      ['NFKC fullwidth forms', 'ＡＤＭＩＮ', ' admin '],
      ['NFKC ligature', 'ﬁle', ' file '],
      ['B.2 Greek final sigma', 'ΣΑΣ', ' σασ '],
      ['B.2 OHM SIGN', '\u2126', ' ω '],
      ['B.2 KELVIN SIGN', '\u212a', ' k '],
      ['B.2 DEGREE CELSIUS (case folded with NFKC)', '\u2103', ' °c '],
      ['B.2 mathematical bold capital', '\u{1d400}', ' a '],
      [
        'an astral character assigned in Unicode 3.2 is kept',
        'X\u{20000}\u{10330}',
        ' x\u{20000}\u{10330} ',
      ],
      ['B.2 İ folds to i + COMBINING DOT ABOVE', '\u0130', ' i\u0307 '],
      ['C.8 U+0340 normalises to U+0300 before the check', '\u0340', ' \u0300 '],
      ['§2.6.1 a space before a combining mark stays', 'x  \u0301y', ' x   \u0301y '],
    ])('%s: %j → %j', (_, input, expected) => {
      expect(prepareCaseIgnoreString(input)).toBe(expected);
    });

    it.each([
      ['admin', 'ＡＤＭＩＮ'],
      ['strasse', 'Straße'],
      ['straße', 'STRASSE'],
      ['a d m i n', ' A   D\u00a0M\u2003I\tN '],
    ])('%j matches %j', (a, b) => {
      expect(prepareCaseIgnoreString(a)).toBe(prepareCaseIgnoreString(b));
    });
  });

  describe('false equivalences', () => {
    it.each([
      ['dotless ı (U+0131) is not i', 'admın', 'admin'],
      ['dotless ı (U+0131) is not I', 'admın', 'ADMIN'],
      ['İ (U+0130) folds to i̇, which is not i', 'admİn', 'admin'],
      ['Cyrillic а (U+0430) is not Latin a', '\u0430dmin', 'admin'],
      ['Greek Α (U+0391) is not Latin A', '\u0391DMIN', 'ADMIN'],
      ['a ZERO WIDTH JOINER is not a space', 'ad\u200dmin', 'ad min'],
      ['long s ſ (U+017F) folds to s, not to f', 'ſ', 'f'],
    ])('%s: %j ≠ %j', (_, a, b) => {
      expect(prepareCaseIgnoreString(a)).toBeDefined();
      expect(prepareCaseIgnoreString(a)).not.toBe(prepareCaseIgnoreString(b));
    });

    it('keeps dotless ı (U+0131) as it is', () => {
      expect(prepareCaseIgnoreString('admın')).toBe(' adm\u0131n ');
    });
  });

  describe('C0 and C1 controls other than TAB, LF, VT, FF, CR, NEL: refused, stricter than §2.2', () => {
    it.each([
      ['NUL', 'ad\u0000min'],
      ['BEL', 'adm\u0007in'],
      ['a trailing NUL', 'admin\u0000'],
      ['SO (U+000E)', 'a\u000eb'],
      ['US (U+001F)', 'a\u001fb'],
      ['DEL', 'ad\u007fmin'],
      ['C1 U+0080', 'a\u0080b'],
      ['C1 U+0081', 'ad\u0081min'],
      ['C1 U+0084', 'a\u0084b'],
      ['C1 U+0086', 'a\u0086b'],
      ['C1 U+009F', 'a\u009fb'],
      ['a control among non-ASCII text', 'jürgen\u0000'],
    ])('%s', (_, input) => {
      expect(prepareCaseIgnoreString(input)).toBeUndefined();
    });
  });

  describe('prohibited code points: the value never matches (undefined)', () => {
    it.each([
      ['U+FFFD REPLACEMENT CHARACTER', 'a\ufffdb'],
      ['C.3 private use (BMP)', 'a\ue000'],
      ['C.3 private use (plane 15)', 'a\u{f0000}'],
      ['C.4 non-character U+FDD0', 'a\ufdd0'],
      ['C.4 non-character U+FFFE', 'a\ufffe'],
      ['C.4 non-character U+1FFFF', 'a\u{1ffff}'],
      ['C.5 lone high surrogate', 'a\ud800b'],
      ['C.5 lone low surrogate', 'a\udc00'],
      ['A.1 unassigned in Unicode 3.2 (U+0221)', 'a\u0221'],
      ['A.1 unassigned in Unicode 3.2 (emoji U+1F600)', 'hi \u{1f600}'],
      ['A.1 a newer character that NFKC would turn into "0."', '\u{1f100}'],
      ['A.1 capital sharp s ẞ (U+1E9E, Unicode 5.1)', 'STRAẞE'],
    ])('%s', (_, input) => {
      expect(prepareCaseIgnoreString(input)).toBeUndefined();
    });
  });

  describe('complexity', () => {
    const budget = (input: string): number => {
      const start = process.hrtime.bigint();
      prepareCaseIgnoreString(input);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };

    it.each([
      // U+FDFA expands 18 times under NFKC: the worst shape a 16 KiB header can carry.
      ['ARABIC LIGATURE SALLALLAHOU (NFKC × 18)', '\ufdfa'.repeat(5462)],
      ['B.2 expansion to three code points', '\u0390'.repeat(16384)],
      ['space / combining mark alternation', ' \u0301'.repeat(8192)],
      ['one long space run', `a${' '.repeat(16384)}\u00e9`],
      ['map-to-nothing only', '\u00ad'.repeat(16384)],
      ['printable ASCII', 'A b'.repeat(5462)],
    ])('%s at the 16 KiB header limit stays under 500 ms', (_, input) => {
      expect(budget(input)).toBeLessThan(500);
    });

    it('prepares the 18-fold NFKC expansion completely', () => {
      const prepared = prepareCaseIgnoreString('\ufdfa'.repeat(5462)) as string;
      expect(prepared.length).toBeGreaterThan(5462 * 18);
    });
  });
});
