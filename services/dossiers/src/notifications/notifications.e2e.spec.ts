import t from 'tap';
import { SMTPServer } from 'smtp-server';
import { eventually, freePort } from '@lienthong/testing';
import { startDossiersHub } from '../test-helpers.js';
import { publishOnlineProcedure, staffAct, submitOnline } from '../test/online-dossier.js';

/** A real SMTP server on loopback that keeps what it receives, or refuses it (451) while `refusing`. */
interface Received {
  readonly to: string[];
  readonly messageId: string;
  readonly subject: string;
  readonly text: string;
}
const received: Received[] = [];
let refusing = false;
const port = await freePort();

/** Quoted-printable and RFC 2047 words, enough to read what nodemailer writes. */
const qp = (s: string) =>
  Buffer.from(
    s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
const words = (s: string) =>
  s.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : qp(text.replace(/_/g, ' ')),
  );
function parse(raw: string, to: string[]): Received {
  const [head = '', ...body] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(unfolded)?.[1] ?? '';
  const text = /quoted-printable/i.test(unfolded) ? qp(body.join('\n\n')) : body.join('\n\n');
  return { to, messageId: header('Message-ID'), subject: words(header('Subject')), text };
}

function startSmtp(): Promise<SMTPServer> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (!refusing) return callback();
      const error = Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 });
      callback(error);
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
      stream.on('end', () => {
        received.push(
          parse(
            raw,
            session.envelope.rcptTo.map((r) => r.address),
          ),
        );
        callback();
      });
    },
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
const stopSmtp = (server: SMTPServer) => new Promise<void>((resolve) => server.close(() => resolve()));

let smtp = await startSmtp();
t.teardown(() => stopSmtp(smtp));
const hub = await startDossiersHub({
  notifications: { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Một cửa điện tử <no-reply@lienthong.test>' },
  online: { perMinute: 10_000, failures: 10_000 },
});
t.teardown(() => hub.close());
const A = '000.00.12.H40';
await hub.agency(A);
const clerk = await hub.staff(A, ['clerk']);
await publishOnlineProcedure(hub);
const sentRecords = async (eventIds: string[]) =>
  Promise.all(eventIds.map(async (id) => (await hub.platform.store.readStream(`notification-${id}`)).map((e) => e.type)));

t.test(
  'each status change of an online dossier mails the applicant in Vietnamese, once; a refusing or vanished server loses nothing',
  async (t) => {
    const { dossierCode } = await submitOnline(hub, A, { name: 'Trần Thị Bình', email: 'binh@example.vn' });
    await eventually(() => received.length === 1, 20_000, 'the receipt mail');
    t.match(received[0], { to: ['binh@example.vn'], subject: `Hồ sơ ${dossierCode}: Mới đăng ký` });
    t.match(received[0]!.text, /Kính gửi ông\/bà Trần Thị Bình/);
    t.match(received[0]!.text, new RegExp(`Hồ sơ ${dossierCode.replace(/\./g, '\\.')} \\(Đăng ký khai sinh\\)`));

    // a counter dossier with an e-mail gets none: only online dossiers are notified
    const counter = await hub.inject('POST', '/v1/dossiers', clerk, {
      procedureCode: '1.001193',
      agencyId: A,
      applicant: { name: 'Lê Văn Cường', email: 'cuong@example.vn' },
      channel: 'counter',
    });
    t.equal(counter.statusCode, 201, counter.body);

    // the server refuses for a while (451): the mail waits, the action does not
    refusing = true;
    const accepted = await staffAct(hub, dossierCode, 'accept', clerk);
    t.equal(accepted.status, 'accepted', 'the command is not held up by mail');
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.equal(received.length, 1, 'nothing delivered while refused');
    refusing = false;
    await eventually(() => received.length === 2, 30_000, 'the acceptance mail once the server takes mail again');
    t.match(received[1], { subject: `Hồ sơ ${dossierCode}: Được tiếp nhận` });
    t.match(received[1]!.text, /Hạn giải quyết:/);

    // the server disappears, then comes back on the same address
    await stopSmtp(smtp);
    await staffAct(hub, dossierCode, 'request-supplement', clerk, { reason: 'Ảnh giấy chứng sinh bị mờ', items: ['Giấy chứng sinh'] });
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.equal(received.length, 2);
    smtp = await startSmtp();
    await eventually(() => received.length === 3, 30_000, 'the supplement mail once the server is back');
    t.match(received[2], { subject: `Hồ sơ ${dossierCode}: Yêu cầu bổ sung` });
    t.match(received[2]!.text, /Lý do: Ảnh giấy chứng sinh bị mờ/);

    // once each: every mail has its event's Message-ID and its record; nobody else was written to
    const events = await hub.platform.store.readStream(`dossier-${dossierCode}`);
    t.same(
      received.map((m) => m.messageId),
      events.map((e) => `<${e.id}@lienthong>`),
    );
    t.same(await sentRecords(events.map((e) => e.id)), [['NotificationSent'], ['NotificationSent'], ['NotificationSent']]);
    t.notOk(
      received.some((m) => m.to.includes('cuong@example.vn')),
      'no mail for the counter dossier',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.equal(received.length, 3, 'nothing sent twice');
  },
);
