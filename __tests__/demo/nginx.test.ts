import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nginxDir, repositoryRoot } from '../../scripts/demo/nginx';

describe('scripts/demo/nginx', () => {
  it('finds the repository root above a nested directory', () => {
    const root = repositoryRoot(join(__dirname, 'a', 'b'));
    expect(existsSync(join(root, 'samples', 'nginx', 'express-mtls.conf'))).toBe(true);
    expect(repositoryRoot()).toBe(root);
  });

  it('throws when there is no package.json above', () => {
    expect(() => repositoryRoot('/proc/self')).toThrow(/no package.json above \/proc\/self/);
  });

  it('puts each app’s nginx in its own directory of the temp dir', () => {
    expect(nginxDir('/tmp/x', 'api')).toBe('/tmp/x/nginx-api');
  });
});
