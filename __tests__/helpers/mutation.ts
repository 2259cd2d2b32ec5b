import fc from 'fast-check';

/** One edit of a text: at a position (wrapped), remove some characters, insert pieces. */
export interface TextMutation {
  readonly at: number;
  readonly remove: number;
  readonly insert: readonly string[];
}

/** Up to three edits, inserting pieces of `alphabet`. */
export function textMutations(alphabet: readonly string[]): fc.Arbitrary<TextMutation[]> {
  const mutation = fc.record({
    at: fc.nat(),
    remove: fc.nat({ max: 3 }),
    insert: fc.array(fc.constantFrom(...alphabet), { maxLength: 3 }),
  });
  return fc.array(mutation, { maxLength: 3 });
}

/** `text` after the edits, in order. */
export function mutate(text: string, mutations: readonly TextMutation[]): string {
  let result = text;
  for (const { at, remove, insert } of mutations) {
    const i = at % (result.length + 1);
    result = result.slice(0, i) + insert.join('') + result.slice(i + remove);
  }
  return result;
}
