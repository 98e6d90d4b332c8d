/**
 * A minimal PostgreSQL client (wire protocol 3.0, simple queries, SCRAM-SHA-256 or MD5 login) so the migration
 * runner needs nothing but Node. Enough for a migration: connect, run SQL text, read rows as strings, close.
 * The password is used only to compute the SCRAM proof; it is never sent, printed or put in an error.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';

/** Opens a session; resolves when the server is ready for queries. */
export async function connect({ host, port, user, database, password }) {
  const socket = tcpConnect({ host, port: Number(port) });
  const inbox = messageQueue(socket);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(startupMessage({ user, database }));
  await authenticate(socket, inbox, user, password);
  for (;;) {
    const m = await inbox.next();
    if (m.type === 'Z') break;
    if (m.type === 'E') throw serverError(m.body);
  }
  return {
    /** Runs SQL text (several statements allowed); returns the rows of the last statement that returned rows. */
    async query(sql) {
      socket.write(frame('Q', cstring(sql)));
      let rows = [];
      let error;
      for (;;) {
        const m = await inbox.next();
        if (m.type === 'T') rows = [];
        else if (m.type === 'D') rows.push(dataRow(m.body));
        else if (m.type === 'E') error = serverError(m.body);
        else if (m.type === 'Z') break;
      }
      if (error) throw error;
      return rows;
    },
    close() {
      socket.end(frame('X', Buffer.alloc(0)));
    },
  };
}

async function authenticate(socket, inbox, user, password) {
  const scram = { nonce: randomBytes(18).toString('base64'), clientFirstBare: '' };
  for (;;) {
    const m = await inbox.next();
    if (m.type === 'E') throw serverError(m.body);
    if (m.type !== 'R') throw new Error(`unexpected message "${m.type}" during login`);
    const code = m.body.readInt32BE(0);
    if (code === 0) return;
    if (code === 5) {
      const inner = md5(password + user);
      socket.write(frame('p', cstring(`md5${md5(inner + m.body.subarray(4, 8).toString('binary'))}`)));
    } else if (code === 10) {
      scram.clientFirstBare = `n=*,r=${scram.nonce}`;
      const data = Buffer.from(`n,,${scram.clientFirstBare}`);
      const length = Buffer.alloc(4);
      length.writeInt32BE(data.length);
      socket.write(frame('p', Buffer.concat([cstring('SCRAM-SHA-256'), length, data])));
    } else if (code === 11) {
      const { reply, expect } = scramFinal(scram, m.body.subarray(4).toString(), password);
      scram.expect = expect;
      socket.write(frame('p', Buffer.from(reply)));
    } else if (code === 12) {
      // The server proves it knows the password too; a man in the middle cannot.
      if (m.body.subarray(4).toString() !== `v=${scram.expect}`) throw new Error('server signature mismatch');
    } else throw new Error(`unsupported authentication method ${code}`);
  }
}

/** RFC 5802/7677: the client proof for the server's first message, and the server signature to expect. */
function scramFinal(scram, serverFirst, password) {
  const fields = Object.fromEntries(serverFirst.split(',').map((f) => [f[0], f.slice(2)]));
  if (!fields.r?.startsWith(scram.nonce)) throw new Error('server nonce does not extend ours');
  const salted = pbkdf2Sync(
    password.normalize('NFKC'),
    Buffer.from(fields.s, 'base64'),
    Number(fields.i),
    32,
    'sha256',
  );
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=biws,r=${fields.r}`;
  const authMessage = `${scram.clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]));
  const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
  return { reply: `${withoutProof},p=${proof.toString('base64')}`, expect: serverSignature };
}

function hmac(key, text) {
  return createHmac('sha256', key).update(text).digest();
}

function md5(text) {
  return createHash('md5').update(text, 'binary').digest('hex');
}

function startupMessage(params) {
  const body = Buffer.concat([
    ...Object.entries(params).flatMap(([k, v]) => [cstring(k), cstring(v)]),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([head, body]);
}

function frame(type, body) {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'ascii');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function cstring(text) {
  return Buffer.concat([Buffer.from(String(text)), Buffer.from([0])]);
}

function dataRow(body) {
  const row = [];
  let at = 2;
  for (let i = body.readInt16BE(0); i > 0; i--) {
    const length = body.readInt32BE(at);
    at += 4;
    row.push(length < 0 ? null : body.subarray(at, at + length).toString());
    at += Math.max(length, 0);
  }
  return row;
}

/** ErrorResponse → Error with the server's message and SQLSTATE (the server never echoes a password). */
function serverError(body) {
  const fields = {};
  for (let at = 0; at < body.length && body[at] !== 0; ) {
    const end = body.indexOf(0, at + 1);
    fields[String.fromCharCode(body[at])] = body.subarray(at + 1, end).toString();
    at = end + 1;
  }
  return Object.assign(new Error(fields.M ?? 'server error'), { code: fields.C });
}

/** Splits the byte stream into messages; `next()` waits for the next one. */
function messageQueue(socket) {
  let buffer = Buffer.alloc(0);
  const ready = [];
  const waiting = [];
  let failure;
  const settle = () => {
    while (waiting.length > 0 && (ready.length > 0 || failure)) {
      const w = waiting.shift();
      if (ready.length > 0) w.resolve(ready.shift());
      else w.reject(failure);
    }
  };
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 5 && buffer.length >= 1 + buffer.readInt32BE(1)) {
      const length = buffer.readInt32BE(1);
      ready.push({ type: String.fromCharCode(buffer[0]), body: buffer.subarray(5, 1 + length) });
      buffer = buffer.subarray(1 + length);
    }
    settle();
  });
  socket.on('error', (error) => {
    failure = error;
    settle();
  });
  socket.on('close', () => {
    failure ??= new Error('connection closed by the server');
    settle();
  });
  return {
    next: () =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        settle();
      }),
  };
}
