/**
 * `npm run bench`: the same requests served by bare Express, by Auth0's
 * express-oauth2-jwt-bearer with its mTLS binding (the peer), and by this library's middlewares,
 * each in its own server process; warm (the same certificate and token) and cold (a new
 * certificate and token on every request); DPoP (RFC 9449) against the peer's DPoP mode, ours
 * with the in-memory replay store and with Redis (a redis-server the run starts); then
 * micro-benchmarks of the per-request operations.
 * Prints req/s, p50, p99 and the ratios, and writes `bench/results/latest.md`.
 *
 * @packageDocumentation
 */
import { generateKeyPairSync } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { ClientCertificate } from '../lib/certificate';
import { encodeForwardedCertificate } from '../lib/forwarding/encode-forwarded-certificate';
import { locateBinary } from '../scripts/local-services';
import { parseBenchArgs, USAGE, type BenchArgs } from './args';
import {
  CASES,
  expectations,
  requestHeaders,
  roundOrder,
  type BenchCase,
  type CheckMaterial,
  type RequestMaterial,
  type ServerKind,
} from './cases';
import {
  createDpopClient,
  dpopCheckMaterial,
  dpopExpectations,
  jtiGenerator,
  prepareProofs,
  proofCount,
  type DpopClient,
  type ProofSupply,
} from './dpop';
import { startJwksServer } from './jwks-server';
import { load, type LoadResult } from './load';
import { runMicro } from './micro';
import { createBenchPki, type BenchPki } from './pki';
import { checkServer } from './precheck';
import {
  describeMachine,
  renderMarkdown,
  summarize,
  targets as evaluateTargets,
  type HttpSection,
  type RunSettings,
} from './report';
import { missingRedisNote, startBenchRedis, type BenchRedis } from './redis';
import { repositoryRoot, startServer, type ServerProcess } from './server-process';
import { runSteps } from './steps';
import type { ServerConfig } from './servers/server-config';
import { AUDIENCE, createTokenIssuer, ISSUER, type TokenIssuer } from './tokens';

type Print = (line: string) => void;

function nginxHeader(certificate: ClientCertificate): string {
  return encodeForwardedCertificate(certificate, 'nginx')['x-ssl-cert'] as string;
}

function material(
  certificate: ClientCertificate,
  issuer: TokenIssuer,
  clientId: string,
): RequestMaterial {
  return { certificate: nginxHeader(certificate), token: issuer.mint(certificate, clientId) };
}

/** The leaf with the intermediate after it, as a proxy forwarding the chain sends it. */
function withIntermediate(pki: BenchPki, leaf: ClientCertificate): ClientCertificate {
  return new ClientCertificate(leaf.der, { chain: [pki.intermediate.certificate.der] });
}

/** The same requests with the leaf + intermediate header (each token stays bound to its leaf). */
function chainMaterial(
  pki: BenchPki,
  of: RequestMaterial,
  leaf: ClientCertificate,
): RequestMaterial {
  return { certificate: nginxHeader(withIntermediate(pki, leaf)), token: of.token };
}

/** Cycles through the pool: every request the next certificate and its token. */
function cycle(pool: readonly Record<string, string>[]): () => Record<string, string> {
  let cursor = 0;
  return () => pool[cursor++ % pool.length] as Record<string, string>;
}

/** A DPoP client with a fresh P-256 key. */
function newDpopClient(): DpopClient {
  return createDpopClient(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

/** Runs the benchmark; resolves with the process exit code. */
export async function main(argv: readonly string[], print: Print = console.log): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (error) {
    print(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    print(USAGE);
    return 0;
  }
  const machine = describeMachine();
  const info = machine.info();
  print(
    `express-mtls benchmark: ${info.cpu}, ${info.cores} cores, Node ${info.node}, ` +
      `load ${info.loadStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const started = Date.now();
  const pki = await createBenchPki();
  const issuer = createTokenIssuer();
  const jwks = await startJwksServer(issuer.jwks);
  const servers = new Map<string, ServerProcess>();
  let redis: BenchRedis | undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.all([...servers.values()].map((server) => server.stop()));
    servers.clear();
    await redis?.stop();
    redis = undefined;
  };
  const onSignal = (): void => {
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    const warm: CheckMaterial = {
      good: material(pki.clientA, issuer, 'client-a'),
      mismatched: {
        certificate: nginxHeader(pki.clientB),
        token: issuer.mint(pki.clientA, 'client-a'),
      },
      stranger: material(pki.stranger, issuer, 'stranger'),
    };
    let t0 = Date.now();
    const poolSize = args.check ? 2 : args.poolSize;
    const poolCertificates = pki.pool(poolSize);
    const pool = poolCertificates.map((certificate) => material(certificate, issuer, 'pooled'));
    print(`pool: ${poolSize} leaves and bound tokens in ${Date.now() - t0} ms`);
    const cold: CheckMaterial = {
      good: pool[0] as RequestMaterial,
      mismatched: {
        certificate: (pool[1] as RequestMaterial).certificate,
        token: (pool[0] as RequestMaterial).token,
      },
      stranger: warm.stranger,
    };
    const notes: string[] = [];
    let selected = CASES.filter(
      (benchCase) => args.cases === undefined || args.cases.includes(benchCase.id),
    );
    if (selected.some((c) => c.server === 'dpop-redis')) {
      const binary = locateBinary('redis-server');
      if (binary === undefined) {
        const note = missingRedisNote();
        print(`\n${'!'.repeat(72)}\n${note}\n${'!'.repeat(72)}\n`);
        notes.push(note);
        selected = selected.filter((c) => c.server !== 'dpop-redis');
      } else {
        redis = await startBenchRedis(binary);
        print(`redis-server: ${redis.url} (${binary})`);
      }
    }
    const dpopClient = newDpopClient();
    const dpopOther = newDpopClient();
    const dpopToken = issuer.mintDpop(dpopClient.jkt, 'dpop-client');
    const nextJti = jtiGenerator();
    const anyChain = selected.some((c) => c.chain === true);
    const chainPool = selected.some((c) => c.chain === true && c.cold)
      ? pool.map((entry, i) => chainMaterial(pki, entry, poolCertificates[i] as ClientCertificate))
      : [];
    const chainWarm: CheckMaterial | undefined = anyChain
      ? {
          good: chainMaterial(pki, warm.good, pki.clientA),
          mismatched: chainMaterial(pki, warm.mismatched, pki.clientB),
          stranger: warm.stranger,
        }
      : undefined;
    const chainCold: CheckMaterial | undefined =
      chainPool.length > 0
        ? {
            good: chainPool[0] as RequestMaterial,
            mismatched: {
              certificate: (chainPool[1] as RequestMaterial).certificate,
              token: (chainPool[0] as RequestMaterial).token,
            },
            stranger: warm.stranger,
          }
        : undefined;
    const checkMaterial = (benchCase: BenchCase): CheckMaterial =>
      (benchCase.chain === true
        ? benchCase.cold
          ? chainCold
          : chainWarm
        : benchCase.cold
          ? cold
          : warm) as CheckMaterial;

    const config = (kind: ServerKind): ServerConfig => ({
      kind,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: jwks.uri,
      trustAnchor: pki.root.certificate.pem,
      intermediate: pki.intermediate.certificate.pem,
      redisUrl: kind === 'dpop-redis' ? redis?.url : undefined,
    });
    t0 = Date.now();
    const profiles = join(repositoryRoot(), '.tmp', 'bench', 'profiles');
    for (const benchCase of selected) {
      const profile = args.profile ? { dir: profiles, name: benchCase.id } : undefined;
      servers.set(benchCase.id, await startServer(config(benchCase.server), profile));
    }
    print(`servers: ${selected.length} processes started in ${Date.now() - t0} ms`);

    let failed = false;
    for (const benchCase of selected) {
      const server = servers.get(benchCase.id) as ServerProcess;
      const outcomes = await checkServer(
        server.url,
        benchCase.dpop === true
          ? dpopExpectations(
              benchCase.server,
              dpopCheckMaterial(dpopClient, dpopOther, dpopToken, server.url, nextJti),
            )
          : expectations(benchCase.server, checkMaterial(benchCase)),
      );
      for (const outcome of outcomes) {
        const verdict = outcome.ok ? 'ok' : 'FAILED';
        print(
          `check ${benchCase.id}: ${outcome.name} → ${outcome.actual} (expected ${outcome.expected}) ${verdict}`,
        );
        failed ||= !outcome.ok;
      }
    }
    if (failed) {
      print('pre-check FAILED: a server does not behave as expected; nothing was timed.');
      return 1;
    }
    print(`pre-check passed for ${selected.length} cases`);
    if (args.check) return 0;

    const coldHeaders = new Map<string, () => Record<string, string>>();
    const poolHeaders = pool.map(requestHeaders);
    const chainPoolHeaders = chainPool.map(requestHeaders);
    const headersOf = (benchCase: BenchCase): LoadOptionsHeaders => {
      if (!benchCase.cold) return requestHeaders(checkMaterial(benchCase).good);
      let next = coldHeaders.get(benchCase.id);
      if (next === undefined) {
        next = cycle(benchCase.chain === true ? chainPoolHeaders : poolHeaders);
        coldHeaders.set(benchCase.id, next);
      }
      return next;
    };
    const proofsFor = (benchCase: BenchCase, rps: number, seconds: number): ProofSupply => {
      const server = servers.get(benchCase.id) as ServerProcess;
      const target = { client: dpopClient, htu: server.url, token: dpopToken, nextJti };
      return prepareProofs(target, proofCount(rps, seconds));
    };
    const estimates = new Map<string, number>();
    const sections: HttpSection[] = [];
    for (const connections of args.http ? args.connections : []) {
      const results = new Map<string, LoadResult[]>(selected.map((c) => [c.id, []]));
      for (let round = 0; round < args.rounds; round++) {
        for (const benchCase of roundOrder(selected, round)) {
          const server = servers.get(benchCase.id) as ServerProcess;
          let supply: ProofSupply | undefined;
          const headers =
            benchCase.dpop === true
              ? (): Record<string, string> => (supply as ProofSupply).next()
              : headersOf(benchCase);
          const common = { url: server.url, connections, headers };
          if (benchCase.dpop === true) {
            supply = proofsFor(benchCase, estimates.get(benchCase.id) ?? NaN, args.warmupSeconds);
          }
          const warmup = await load({ ...common, seconds: args.warmupSeconds });
          if (benchCase.dpop === true) {
            supply = proofsFor(benchCase, warmup.rps, args.seconds);
          }
          const result = await load({
            ...common,
            seconds: args.seconds,
            stats: () => server.stats(),
          });
          estimates.set(benchCase.id, result.rps);
          const fallbacks = supply?.fallbacks() ?? 0;
          if (fallbacks > 0) {
            const note = `${benchCase.id}: ${fallbacks} of ${result.requests} proofs were signed during the timed run (the ${supply?.prepared} prepared ran out), which loads the generator`;
            print(note);
            notes.push(note);
          }
          (results.get(benchCase.id) as LoadResult[]).push(result);
          print(
            `${connections} connections, round ${round + 1}/${args.rounds} ${benchCase.id}: ${result.rps.toFixed(0)} req/s, ` +
              `p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ` +
              `server CPU ${result.cpuPerRequest.toFixed(0)} µs/request, ` +
              `load generator CPU ${result.generatorCpuPerRequest.toFixed(0)} µs/request`,
          );
        }
      }
      const rows = summarize(CASES, results);
      sections.push({ connections, rows, targets: evaluateTargets(rows) });
    }
    await stopAll();
    if (args.profile) print(`CPU profiles: ${profiles}/<case>.cpuprofile`);

    const micro =
      args.microMs === 0
        ? []
        : await runMicro({
            pki,
            issuer,
            pool: poolCertificates,
            poolHeaders,
            headers: requestHeaders(warm.good),
            config,
            timeMs: args.microMs,
          });
    const steps =
      args.microMs === 0
        ? undefined
        : await runSteps({ pki, issuer, pool: poolCertificates, config, timeMs: args.microMs });
    machine.finish();
    const settings: RunSettings = {
      rounds: args.rounds,
      seconds: args.seconds,
      warmupSeconds: args.warmupSeconds,
      connections: args.connections,
      poolSize: args.poolSize,
    };
    const markdown = renderMarkdown({
      machine: machine.info(),
      settings,
      http: sections,
      micro,
      steps,
      notes,
    });
    print('');
    print(markdown);
    if (!args.quick && args.http && args.cases === undefined) {
      const file = join(repositoryRoot(), 'bench', 'results', 'latest.md');
      // formatted as the repository's Prettier check expects (aligned tables)
      const formatted = await format(markdown, { ...(await resolveConfig(file)), filepath: file });
      writeFileSync(`${file}.tmp`, formatted);
      renameSync(`${file}.tmp`, file);
      print(`written: bench/results/latest.md`);
    }
    print(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await stopAll();
    await jwks.close();
  }
}

type LoadOptionsHeaders = Record<string, string> | (() => Record<string, string>);

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
