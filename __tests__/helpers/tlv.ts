/**
 * DER-encodes one element from a tag and contents (short and long length forms), for tests that
 * build hostile or unusual structures by hand. Test-side encoder, independent of lib/.
 */
export function tlv(tag: number, ...contents: (Buffer | readonly number[])[]): Buffer {
  const content = Buffer.concat(contents.map((c) => Buffer.from(c)));
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}
