// A preload (`NODE_OPTIONS=--require …/_faults.cjs`) that makes chosen fs calls of the envplane process fail with a
// chosen errno, the way a full disk (ENOSPC), a file-size limit (EFBIG), an I/O error (EIO) or a permission (EPERM)
// would. Configured by ENVPLANE_FAULTS, a JSON list of rules:
//   { "op": "writeSync", "path": "audit.log", "errno": "EIO", "nth": 2, "waitFor": "/tmp/x" }
// op: an fs function name (or "*"); path: a substring of the path (for descriptor calls, of the path it was opened
// with), or pattern: a regular expression for it; nth: fail only the nth matching call (1-based; default every one); waitFor: before failing, wait until that
// file exists (an event the test controls, never a time).
// ENVPLANE_FAULTS_TRACE names a file to which every (op, path) this process calls is appended, one JSON line each,
// so a test can first learn a command's write path and then fail each step of it.
'use strict';
const fs = require('node:fs');

const rules = JSON.parse(process.env.ENVPLANE_FAULTS || '[]');
const traceFile = process.env.ENVPLANE_FAULTS_TRACE;
const ERRNO = { EIO: -5, ENOSPC: -28, EPERM: -1, EFBIG: -27, E2BIG: -7, EACCES: -13, EROFS: -30, EDQUOT: -122 };
const original = {};
for (const name of Object.keys(fs)) if (typeof fs[name] === 'function') original[name] = fs[name];
const fdPath = new Map();
const seen = new Map();

const PATH_OPS = [
  'openSync',
  'mkdirSync',
  'mkdtempSync',
  'chmodSync',
  'renameSync',
  'unlinkSync',
  'rmSync',
  'rmdirSync',
  'writeFileSync',
  'appendFileSync',
  'copyFileSync',
  'symlinkSync',
  'linkSync',
  'truncateSync',
];
const FD_OPS = ['writeSync', 'fsyncSync', 'fdatasyncSync', 'fchmodSync', 'ftruncateSync'];

function sleepUntil(path) {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!original.existsSync(path)) Atomics.wait(cell, 0, 0, 5);
}

let inside = false;

function check(op, path, write = true) {
  if (typeof path !== 'string' || inside) return;
  if (traceFile && !path.startsWith('/proc/')) {
    // appendFileSync opens the trace through fs.openSync: not traced itself.
    inside = true;
    try {
      original.appendFileSync(traceFile, `${JSON.stringify({ op, path, write })}\n`);
    } finally {
      inside = false;
    }
  }
  for (const [index, rule] of rules.entries()) {
    if (rule.op !== '*' && rule.op !== op) continue;
    if (rule.path !== undefined && !path.includes(rule.path)) continue;
    if (rule.pattern !== undefined && !new RegExp(rule.pattern).test(path)) continue;
    const n = (seen.get(index) ?? 0) + 1;
    seen.set(index, n);
    if (rule.nth !== undefined && rule.nth !== n) continue;
    if (rule.waitFor) sleepUntil(rule.waitFor);
    const error = new Error(`${rule.errno}: injected fault, ${op} '${path}'`);
    error.code = rule.errno;
    error.errno = ERRNO[rule.errno] ?? -5;
    error.syscall = op.replace(/Sync$/, '');
    error.path = path;
    throw error;
  }
}

const { O_WRONLY, O_RDWR, O_CREAT, O_APPEND, O_TRUNC } = fs.constants;
const isWriteFlag = (flags) =>
  typeof flags === 'number'
    ? (flags & (O_WRONLY | O_RDWR | O_CREAT | O_APPEND | O_TRUNC)) !== 0
    : typeof flags === 'string' && /[wa+]/.test(flags);

const asPath = (p) =>
  typeof p === 'string' ? p : Buffer.isBuffer(p) ? p.toString() : p instanceof URL ? p.pathname : p;

for (const op of PATH_OPS) {
  if (!original[op]) continue;
  fs[op] = function (path, ...rest) {
    check(op, asPath(path), op !== 'openSync' || isWriteFlag(rest[0]));
    if (op === 'renameSync') check('renameSync', asPath(rest[0]));
    const out = original[op].call(this, path, ...rest);
    if (op === 'openSync') fdPath.set(out, asPath(path));
    return out;
  };
}
for (const op of FD_OPS) {
  if (!original[op]) continue;
  fs[op] = function (fd, ...rest) {
    if (typeof fd === 'number' && fdPath.has(fd)) check(op, fdPath.get(fd));
    return original[op].call(this, fd, ...rest);
  };
}
const close = original.closeSync;
fs.closeSync = function (fd) {
  fdPath.delete(fd);
  return close.call(this, fd);
};
