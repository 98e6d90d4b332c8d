/**
 * A folder swapped for a symbolic link while envplane writes into it: another process keeps replacing the folder of
 * a secret file with a link to a folder elsewhere (and back), while the atomic writer writes that file again and
 * again. Checking the folder and then writing by its path let a value through the link whenever the swap landed in
 * between (the temp file, holding the value, was created in the other folder); the writer now works through the
 * folder it opened. Nothing may ever appear in the other folder.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stageFileAtomic, writeFileAtomic } from '../../src/io/atomic.ts';

const SWAPPER = `
const fs = require('fs');
const [dir, real, other] = process.argv.slice(1);
let swaps = 0;
// The writer may have made a fresh folder while the real one was away: the real one wins.
const restore = () => {
  for (;;) {
    try { fs.renameSync(real, dir); return; } catch {}
    try { fs.unlinkSync(dir); } catch {}
    try { fs.rmSync(dir, { recursive: true, force: true }); } catch {}
  }
};
process.on('SIGTERM', () => {
  if (fs.existsSync(real)) restore();
  process.stdout.write(String(swaps));
  process.exit(0);
});
fs.writeFileSync(dir + '.ready', '');
const loop = () => {
  for (let i = 0; i < 200; i++) {
    try { fs.renameSync(dir, real); } catch { continue; }
    try { fs.symlinkSync(other, dir); fs.unlinkSync(dir); } catch {}
    restore();
    swaps++;
  }
  setImmediate(loop);
};
loop();
`;

/** On tmpfs where there is one: each write fsyncs, and thousands of them are needed. */
function scratch(): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'envplane-swap-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a secret folder swapped for a link during writes: nothing is ever written where the link points', async () => {
  const root = scratch();
  const store = join(root, 'secrets');
  const other = join(root, 'elsewhere');
  mkdirSync(store, { mode: 0o700 });
  mkdirSync(other);
  const swapper = spawn(process.execPath, ['-e', SWAPPER, store, `${store}.real`, other], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  swapper.stdout.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => swapper.once('exit', () => resolve()));
  while (!existsSync(`${store}.ready`)) await new Promise((r) => setTimeout(r, 10));

  // Until the swaps have hit the writer often enough (a write refused or failed because the folder was a link or
  // away at that moment), with a bound on the attempts.
  let refused = 0;
  let written = 0;
  for (let i = 0; i < 50_000 && refused < 500; i++) {
    try {
      if (i % 2 === 0) writeFileAtomic(join(store, 'token.txt'), 'cAnArY-swap\n');
      else stageFileAtomic(join(store, 'token.txt'), 'cAnArY-swap\n').commit();
      written++;
    } catch {
      refused++;
    }
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  swapper.kill('SIGTERM');
  await exited;
  const swaps = Number(out);
  console.log(`# ${written} writes, ${refused} refused or failed, ${swaps} swaps`);
  assert.ok(swaps > 0 && refused > 0, `the swaps never met a write (${swaps} swaps, ${refused} refusals)`);
  assert.deepEqual(readdirSync(other), [], 'a write went through the link');
  // The folder is whole again, and the writer still works in it.
  writeFileAtomic(join(store, 'token.txt'), 'cAnArY-swap\n');
  assert.equal(readFileSync(join(store, 'token.txt'), 'utf8'), 'cAnArY-swap\n');
});
