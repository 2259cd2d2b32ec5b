import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { anchorsOf, documentationPages, headingSlug, ROOT, withoutCode } from './markdown-snippets';

const pages = [...documentationPages(), 'CONTRIBUTING.md'];

describe('relative links in README.md, CONTRIBUTING.md and docs/', () => {
  it.each(pages)('%s: every linked file and anchor exists', (page) => {
    const text = withoutCode(readFileSync(join(ROOT, page), 'utf8'));
    const broken: string[] = [];
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1] as string;
      if (/^[a-z]+:/.test(link)) continue;
      const [path = '', fragment] = link.split('#');
      const target = path === '' ? join(ROOT, page) : normalize(join(ROOT, dirname(page), path));
      if (!existsSync(target)) {
        broken.push(`${link}: no such file`);
      } else if (fragment !== undefined && target.endsWith('.md')) {
        if (!anchorsOf(readFileSync(target, 'utf8')).has(fragment)) {
          broken.push(`${link}: no such anchor`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('computes GitHub heading anchors', () => {
    expect(headingSlug('`ERR_MTLS_HEADER_MALFORMED`')).toBe('err_mtls_header_malformed');
    expect(headingSlug('Safety: what express-mtls refuses')).toBe(
      'safety-what-express-mtls-refuses',
    );
    expect([...anchorsOf('# A\n## A\n```sh\n# not a heading\n```\n<a id="x"></a>')]).toEqual([
      'x',
      'a',
      'a-1',
    ]);
  });
});
