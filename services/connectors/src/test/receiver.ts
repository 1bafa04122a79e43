/**
 * A real HTTP receiver for the connector tests, run as its own process:
 * `node --import tsx receiver.ts <port> <log file> [whsec secret]`. Prints `listening <port>`.
 * Verifies Standard Webhooks signatures with the official `standardwebhooks` library, appends one
 * JSON line per request to the log (`{kind: 'delivery'|'attempt', …}`) and misbehaves as told by
 * `POST /__control` `{resetFirst, hangFirst, failFirst, failStreams, rejectStreams, huge, trickle, delayMs}`:
 * per delivery id, the first attempts are reset, left hanging, or answered 500; `huge` answers
 * 200 with an endless body (logs `{kind: 'cut', written}` when the client hangs up), `trickle`
 * answers 200 and one byte every 50 ms, never ending.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';

const [portArg, logFile, secret] = process.argv.slice(2);
if (!portArg || !logFile) throw new Error('usage: receiver.ts <port> <log file> [secret]');

interface Control {
  resetFirst: number;
  hangFirst: number;
  failFirst: number;
  /** Streams always answered 500 (webhook) */
  failStreams: string[];
  /** Streams the portal refuses (`{"error_code": "-1", "message": …}`) */
  rejectStreams: string[];
  /** Answer 200 then stream an endless body */
  huge: boolean;
  /** Answer 200 then a byte every 50 ms, never closing */
  trickle: boolean;
  delayMs: number;
}
let control: Control = {
  resetFirst: 0,
  hangFirst: 0,
  failFirst: 0,
  failStreams: [],
  rejectStreams: [],
  huge: false,
  trickle: false,
  delayMs: 0,
};
const attempts = new Map<string, number>();
const verifier = secret ? new Webhook(secret) : null;

function log(line: object) {
  appendFileSync(logFile!, `${JSON.stringify(line)}\n`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  if (req.url === '/__control') {
    control = { ...control, ...(JSON.parse(body) as Partial<Control>) };
    attempts.clear();
    return res.end('{}');
  }
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
  const parsed = JSON.parse(body) as { id?: string; stream?: string; position?: number; type?: string; data?: unknown[] };
  const dvcqg = req.url?.startsWith('/dvcqg') ?? false;
  const id = dvcqg ? headers['x-lienthong-event-id']! : headers['webhook-id']!;
  const attempt = (attempts.get(id) ?? 0) + 1;
  attempts.set(id, attempt);
  const stream = dvcqg ? `dossier-${String((parsed.data?.[0] as { MaHoSo?: string } | undefined)?.MaHoSo)}` : parsed.stream;
  log({ kind: 'attempt', id, attempt, stream });
  if (attempt <= control.resetFirst) return req.socket.destroy();
  if (attempt <= control.resetFirst + control.hangFirst) return; // never answers
  if (attempt <= control.resetFirst + control.hangFirst + control.failFirst || (stream && control.failStreams.includes(stream))) {
    res.statusCode = 500;
    return res.end('{"error":"try later"}');
  }
  let verified = false;
  if (verifier && !dvcqg) {
    try {
      verifier.verify(body, headers);
      verified = true;
    } catch {
      res.statusCode = 401;
      return res.end('{"error":"bad signature"}');
    }
  }
  if (control.delayMs > 0) await new Promise((r) => setTimeout(r, control.delayMs));
  if (dvcqg && stream && control.rejectStreams.includes(stream)) {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ error_code: '-1', message: 'MaTTHC không tồn tại' }));
  }
  if (control.trickle) {
    res.setHeader('content-type', 'application/json');
    res.write(' ');
    const timer = setInterval(() => res.write(' '), 50);
    res.on('close', () => {
      clearInterval(timer);
      log({ kind: 'cut', id, written: 0 });
    });
    return;
  }
  log({ kind: 'delivery', id, stream, position: parsed.position, type: parsed.type, verified, headers, body: parsed });
  res.setHeader('content-type', 'application/json');
  if (control.huge) {
    res.write(dvcqg ? '{"error_code":"0","pad":"' : '{"ok":true,"pad":"');
    const chunk = 'x'.repeat(64 * 1024);
    let written = 0;
    const pump = () => {
      while (!res.destroyed && written < 10 * 1024 ** 3) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('close', () => log({ kind: 'cut', id, written }));
    return pump();
  }
  res.end(dvcqg ? '{"error_code":"0","message":"OK"}' : '{"ok":true}');
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    res.statusCode = 400;
    res.end(String(error));
  });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(portArg), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
