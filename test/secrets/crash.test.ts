/**
 * SIGKILL at random moments during `setup` and `rotate`: after every kill each secret file is wholly old or wholly
 * new (never empty, torn, or wider than 0600), the state file parses, the audit chain holds, and the next run
 * removes the temp files a kill left. The randomness is seeded; the seed is printed so a failure can be replayed with
 * ENVPLANE_CRASH_SEED. ENVPLANE_DEEP=1 raises the kills from 40 to 500.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { verifyChain } from '../../src/audit/chain.ts';
import { count } from '../_counts.ts';
import { CLI, copyExample, runCli } from '../_helpers.ts';
import { mulberry32, TEST_SEED } from '../_random.ts';

const KILLS = process.env.ENVPLANE_DEEP === '1' ? 500 : 40;
const WORKERS = 4;
const SEED = Number(process.env.ENVPLANE_CRASH_SEED ?? TEST_SEED);

interface Outcome {
  killed: boolean;
  ms: number;
}

function runAndMaybeKill(
  dir: string,
  args: string[],
  input: string,
  killAfterMs: number | undefined,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.on('error', () => {}); // the child may be dead before it reads stdin
    child.stdin.end(input);
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', ms: performance.now() - started });
    });
  });
}

const SECRETS = ['postgres_password', 'secret_key', 'openai_api_key', 'aws_access_key_id'];
const GENERATED = new Set(['postgres_password', 'secret_key']);
const isGenerated = (text: string) => /^[A-Za-z0-9+/]{43}=\n$/.test(text);

type Snapshot = Record<string, string | undefined>;

function snapshot(dir: string): Snapshot {
  const out: Snapshot = {};
  for (const name of SECRETS)
    for (const suffix of ['', '.previous']) {
      const p = join(dir, 'secrets', `${name}.txt${suffix}`);
      out[`${name}${suffix}`] = existsSync(p) ? readFileSync(p, 'utf8') : undefined;
    }
  return out;
}

function temps(dir: string): string[] {
  return ['secrets', '.envplane', '.'].flatMap((d) =>
    existsSync(join(dir, d)) ? readdirSync(join(dir, d)).filter((n) => n.startsWith('.envplane-tmp-')) : [],
  );
}

type Op = {
  args: string[];
  input: string;
  allowed: (before: Snapshot, name: string, now: string | undefined) => boolean;
};

function pickOp(random: () => number, dir: string, step: number): Op {
  const secret = SECRETS[Math.floor(random() * SECRETS.length)]!;
  const roll = random();
  if (roll < 0.25) {
    // setup after losing two files: each comes back whole or not at all.
    for (const name of ['secret_key', 'aws_access_key_id']) {
      const p = join(dir, 'secrets', `${name}.txt`);
      if (existsSync(p)) unlinkSync(p);
    }
    const example = readFileSync(join(dir, 'secrets', 'aws_access_key_id.txt.example'), 'utf8');
    return {
      args: ['setup'],
      input: '',
      allowed: (before, name, now) =>
        now === before[name] ||
        (name === 'secret_key' && now !== undefined && isGenerated(now)) ||
        (name === 'aws_access_key_id' && now === example),
    };
  }
  if (roll < 0.45 && snapshot(dir)[`${secret}.previous`] !== undefined) {
    return {
      args: ['rotate', secret, '--env', 'dev', '--rollback'],
      input: '',
      allowed: (before, name, now) =>
        now === before[name] ||
        (name === secret && now === before[`${secret}.previous`]) ||
        (name === `${secret}.previous` && now === undefined),
    };
  }
  const fromStdin = !GENERATED.has(secret) || random() < 0.3;
  const value = `crash-${SEED}-${step}-${'x'.repeat(Math.floor(random() * 5000))}`;
  return {
    args: ['rotate', secret, '--env', 'dev', ...(fromStdin ? ['--from-stdin'] : [])],
    input: fromStdin ? `${value}\n` : '',
    allowed: (before, name, now) =>
      now === before[name] ||
      (name === secret && now !== undefined && (fromStdin ? now === `${value}\n` : isGenerated(now))) ||
      (name === `${secret}.previous` && now === before[secret]),
  };
}

function checkInvariants(dir: string, before: Snapshot, op: Op, context: string): void {
  const after = snapshot(dir);
  for (const [name, now] of Object.entries(after)) {
    assert.ok(op.allowed(before, name, now), `${context}: ${name} is neither the old nor the new value`);
    if (now !== undefined) {
      assert.notEqual(now, '', `${context}: ${name} is empty`);
      const file = join(
        dir,
        'secrets',
        `${name.replace('.previous', '')}.txt${name.endsWith('.previous') ? '.previous' : ''}`,
      );
      assert.equal(statSync(file).mode & 0o777, 0o600, `${context}: ${name} is wider than 0600`);
    }
  }
  const state = join(dir, '.envplane', 'state.json');
  if (existsSync(state)) JSON.parse(readFileSync(state, 'utf8'));
  const log = join(dir, '.envplane', 'audit.log');
  if (existsSync(log))
    assert.equal(verifyChain(readFileSync(log, 'utf8')).broken, undefined, `${context}: audit chain`);
}

it(`survives ${KILLS} SIGKILLs during setup and rotate (seed ${SEED})`, { timeout: 300_000 }, async () => {
  console.log(`crash test seed: ${SEED} (replay with ENVPLANE_CRASH_SEED=${SEED}), kills: ${KILLS}`);
  let kills = 0;
  let completed = 0;
  let cleanups = 0;
  let midWrite = 0;
  const worker = async (index: number) => {
    const random = mulberry32(SEED + index);
    const dir = copyExample('four-planes');
    assert.equal(runCli(['setup'], { cwd: dir }).code, 0);
    // How long a whole run takes here (the median of three): kills are spread over it, start-up to last write.
    const runs: number[] = [];
    for (let i = 0; i < 3; i++)
      runs.push((await runAndMaybeKill(dir, ['rotate', 'secret_key', '--env', 'dev'], '', undefined)).ms);
    const full = runs.sort((a, b) => a - b)[1]!;
    // The same command without writing: what start-up and planning cost. Most kills aim at the time after it.
    const dry = (await runAndMaybeKill(dir, ['rotate', 'secret_key', '--env', 'dev', '--dry-run'], '', undefined)).ms;
    const writing = Math.max(full - dry, 5);
    // Where writes begin moves with the machine's load, so the aim follows it (a stochastic approximation): a kill
    // that changed nothing moves the aim later, one that landed mid-write or after the end moves it earlier, which
    // keeps about half of the aimed kills inside the writes.
    let aim = dry;
    for (let step = 0; kills < KILLS; step++) {
      const op = pickOp(random, dir, step);
      const before = snapshot(dir);
      const aimed = random() >= 0.2;
      const delay = aimed ? Math.max(0, aim + (random() - 0.5) * (writing / 2)) : random() * full;
      const outcome = await runAndMaybeKill(dir, op.args, op.input, delay);
      if (outcome.killed) kills++;
      else completed++;
      const changed = JSON.stringify(snapshot(dir)) !== JSON.stringify(before) || temps(dir).length > 0;
      if (outcome.killed && changed) midWrite++;
      // A run that finished was aimed far too late (and costs a whole run): step back harder.
      const move = outcome.killed ? (changed ? -1 : 1) : -2;
      if (aimed) aim = Math.max(0, aim + move * Math.max(1, writing / 20));
      const context = `seed ${SEED} worker ${index} step ${step} (${op.args.join(' ')}, ${outcome.killed ? `killed at ${delay.toFixed(1)} ms` : 'completed'})`;
      try {
        checkInvariants(dir, before, op, context);
      } catch (err) {
        if (outcome.killed) count('kills', 1, 1, 'setup/rotate');
        throw err;
      }
      if (outcome.killed) count('kills', 1, 0, 'setup/rotate');
      if (temps(dir).length > 0) {
        // The next run cleans what the kill left.
        const r = runCli(['setup'], { cwd: dir });
        assert.equal(r.code, 0, `${context}: the next setup failed: ${r.stderr}`);
        assert.deepEqual(temps(dir), [], `${context}: the next setup must remove stray temp files`);
        cleanups++;
      }
    }
    const final = runCli(['audit', 'verify'], { cwd: dir });
    assert.equal(final.code, 0, final.stdout);
  };
  await Promise.all([...Array(WORKERS)].map((_, i) => worker(i)));
  console.log(
    `kills ${kills} (${midWrite} after writing began), completed runs ${completed}, temp cleanups ${cleanups}`,
  );
  assert.ok(kills >= KILLS);
  assert.ok(midWrite > 0, 'no kill landed after a write began: the timing does not exercise the writes');
});
