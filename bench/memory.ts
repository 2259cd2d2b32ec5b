/**
 * `npm run bench:memory`: heap growth of the full stack (`clientCertificate()` +
 * `requireClientCertificate()` + `requireCertificateBoundToken()`, default options) over
 * 100,000 distinct certificates, each with a token bound to it, driven in-process through real
 * Express (see `stack.ts`). Every cache is bounded, so the heap must stop growing once they are
 * full: the script fails (exit 1) when the growth exceeds {@link HEAP_BOUND_MB}.
 *
 * Run with `node --expose-gc` (the npm script does), so that every sample is taken after a full
 * garbage collection.
 *
 * @packageDocumentation
 */
import { encodeForwardedCertificate } from '../lib/forwarding/encode-forwarded-certificate';
import { requestHeaders } from './cases';
import { startJwksServer } from './jwks-server';
import { createBenchPki } from './pki';
import { cpuModel } from './report';
import { createStack } from './stack';
import { AUDIENCE, createTokenIssuer, ISSUER } from './tokens';

/**
 * The documented bound on heap growth (MiB) with default options, whatever the number of distinct
 * certificates: 1,000 parsed certificates (keyed by their ~1.5 KB header), 1,000 verified tokens,
 * 1,000 chain results and 4,000 verified CA links, with room to spare.
 */
export const HEAP_BOUND_MB = 32;

interface Sample {
  readonly certificates: number;
  readonly heapMb: number;
  readonly arrayBuffersMb: number;
}

const MB = 1024 * 1024;

function sample(certificates: number): Sample {
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  gc();
  gc();
  const usage = process.memoryUsage();
  return {
    certificates,
    heapMb: usage.heapUsed / MB,
    arrayBuffersMb: usage.arrayBuffers / MB,
  };
}

/** Runs the measurement; resolves with the exit code. */
export async function main(argv: readonly string[], print = console.log): Promise<number> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    print('bench:memory needs node --expose-gc (use npm run bench:memory).');
    return 2;
  }
  const quick = argv.includes('--quick');
  const total = quick ? 6_000 : 100_000;
  const batch = 2_000;
  const pki = await createBenchPki();
  const issuer = createTokenIssuer();
  const jwks = await startJwksServer(issuer.jwks);
  try {
    const call = createStack({
      kind: 'full',
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: jwks.uri,
      trustAnchor: pki.root.certificate.pem,
      intermediate: pki.intermediate.certificate.pem,
    });
    const headersOf = (first: number, count: number): Record<string, string>[] =>
      pki.pool(count, first).map((certificate) =>
        requestHeaders({
          certificate: encodeForwardedCertificate(certificate, 'nginx')['x-ssl-cert'],
          token: issuer.mint(certificate, 'pooled'),
        }),
      );
    // Warm-up on other serial numbers: lazy modules, the JWKS key, JIT.
    for (const headers of headersOf(1_000_000, 50)) await call(headers);
    const samples: Sample[] = [sample(0)];
    print(
      `bench:memory: ${total} distinct certificates through the full stack (${cpuModel()}, Node ${process.version})`,
    );
    print(
      `${'certificates'.padStart(12)} ${'heap MiB'.padStart(9)} ${'arrayBuffers MiB'.padStart(17)}`,
    );
    const show = (s: Sample): void => {
      print(
        `${String(s.certificates).padStart(12)} ${s.heapMb.toFixed(1).padStart(9)} ${s.arrayBuffersMb.toFixed(1).padStart(17)}`,
      );
    };
    show(samples[0] as Sample);
    for (let done = 0; done < total;) {
      const count = Math.min(batch, total - done);
      for (const headers of headersOf(1 + done, count)) {
        const status = await call(headers);
        if (status !== 200) {
          print(`request ${done + 1} answered ${status}, not 200: aborted`);
          return 1;
        }
        done++;
      }
      const current = sample(done);
      samples.push(current);
      if (done % 10_000 === 0 || done === total) show(current);
    }
    const first = samples[0] as Sample;
    const last = samples[samples.length - 1] as Sample;
    const peak = Math.max(...samples.map((s) => s.heapMb + s.arrayBuffersMb));
    const growth = peak - (first.heapMb + first.arrayBuffersMb);
    const filled = samples.find((s) => s.certificates >= 4_000) ?? last;
    const afterFilled = last.heapMb + last.arrayBuffersMb - (filled.heapMb + filled.arrayBuffersMb);
    print(
      `peak growth (heap + arrayBuffers) ${growth.toFixed(1)} MiB over the warmed-up start; ` +
        `${afterFilled.toFixed(1)} MiB from ${filled.certificates} to ${last.certificates} certificates ` +
        `(bound: ${HEAP_BOUND_MB} MiB)`,
    );
    if (growth > HEAP_BOUND_MB) {
      print(`FAILED: the growth exceeds ${HEAP_BOUND_MB} MiB`);
      return 1;
    }
    return 0;
  } finally {
    await jwks.close();
  }
}

/* istanbul ignore next -- the command's entry point */
if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
