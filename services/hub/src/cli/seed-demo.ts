/**
 * `lienthong seed-demo [--scale n] [--seed n]` (scale 1 by default): a realistic province built through the services' own
 * routes (`app.inject` on a started platform, workers on), so every invariant holds: 50 agencies,
 * 3 vendor systems, a staff member per agency, a calendar year, 200 procedures, 10,000 dossiers
 * spread over every status, 5,000 documents with deliveries acknowledged and statuses reported.
 * Tokens go to `<dataDir>/demo-tokens.json` (mode 600).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningHub } from '@lienthong/platform';
import { CliError, cliConfig, openHub, type GlobalOptions } from './context.js';
import { DOCUMENT_SUBJECTS, VENDORS, demoAgencies, demoApplicant, demoProcedures, rng, type DemoAgency } from './demo-data.js';
import { progress } from './progress.js';

type Headers = Record<string, string>;
type Random = ReturnType<typeof rng>;

export interface SeedResult {
  readonly dataDir: string;
  readonly tokensFile: string;
  readonly agencies: number;
  readonly systems: number;
  readonly staff: number;
  readonly procedures: number;
  readonly dossiers: number;
  readonly dossiersByStatus: Record<string, number>;
  readonly documents: number;
  readonly deliveriesAcknowledged: number;
  readonly statusesReported: number;
  readonly events: number;
  readonly seconds: number;
}

/** Actions from a new dossier to each status, and how often each ends up there (percent). */
const PATHS: ReadonlyArray<{ status: string; share: number; actions: ReadonlyArray<readonly [string, Record<string, unknown>?]> }> = [
  { status: 'new', share: 10, actions: [] },
  { status: 'accepted', share: 10, actions: [['accept']] },
  { status: 'not-accepted', share: 5, actions: [['reject', { reason: 'Hồ sơ không thuộc thẩm quyền giải quyết' }]] },
  { status: 'processing', share: 18, actions: [['accept'], ['assign']] },
  {
    status: 'supplement-requested',
    share: 7,
    actions: [['accept'], ['assign'], ['request-supplement', { reason: 'Thiếu bản sao giấy tờ chứng minh quyền sử dụng' }]],
  },
  {
    status: 'processing',
    share: 3,
    actions: [
      ['accept'],
      ['request-supplement', { reason: 'Tờ khai chưa đủ chữ ký' }],
      ['supplement', { components: ['Tờ khai bổ sung'] }],
      ['assign'],
    ],
  },
  {
    status: 'payment-requested',
    share: 5,
    actions: [['accept'], ['assign'], ['request-payment', { amount: 150000, reason: 'Lệ phí thẩm định' }]],
  },
  { status: 'withdrawal-requested', share: 4, actions: [['accept'], ['request-withdrawal', { reason: 'Công dân xin rút hồ sơ' }]] },
  { status: 'stopped', share: 3, actions: [['accept'], ['assign'], ['stop', { reason: 'Phát hiện giấy tờ giả mạo' }]] },
  {
    status: 'processed',
    share: 10,
    actions: [['accept'], ['assign'], ['request-payment', { amount: 50000 }], ['confirm-payment'], ['complete']],
  },
  { status: 'result-delivered', share: 25, actions: [['accept'], ['assign'], ['complete'], ['deliver-result']] },
];

function pickPath(random: Random) {
  let roll = random.int(100);
  for (const p of PATHS) if ((roll -= p.share) < 0) return p;
  return PATHS[0]!;
}

/** Runs `work(i)` for i in [0, n) with `concurrency` in flight (appends group-commit together); stops at the first failure. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>, onDone: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n && !failure) {
        const i = next++;
        try {
          await work(i);
        } catch (error) {
          failure ??= { error };
          return;
        }
        onDone(++done);
      }
    }),
  );
  if (failure) throw failure.error;
}

function client(hub: RunningHub) {
  return async <T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    headers: Headers,
    payload: unknown,
    expected: readonly number[],
  ): Promise<T> => {
    const res = await hub.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
    if (!expected.includes(res.statusCode)) throw new CliError(`seed: ${method} ${url} → ${res.statusCode}: ${res.body.slice(0, 600)}`);
    return (res.body ? res.json() : {}) as T;
  };
}

export async function seedDemo(options: GlobalOptions & { scale: number; seed: number }): Promise<SeedResult> {
  const started = Date.now();
  // Synchronous NORMAL unless asked otherwise: a demo does not need an fsync per commit.
  const config = cliConfig(options, { LT_SQLITE_SYNC: process.env.LT_SQLITE_SYNC ?? 'normal' });
  const hub = await openHub(config, { workers: true });
  const call = client(hub);
  const random = rng(options.seed);
  const admin: Headers = { authorization: `Bearer ${hub.adminToken}` };
  const scaled = (full: number, min: number) => Math.max(min, Math.round(full * options.scale));
  try {
    // 1. agencies, parents first
    const agencies = demoAgencies(scaled(50, 4));
    for (const a of agencies)
      await call(
        'POST',
        '/v1/admin/agencies',
        admin,
        { organId: a.organId, name: a.name, level: a.level, altIds: a.altIds, ...(a.parentId ? { parentId: a.parentId } : {}) },
        [201],
      );

    // 2. one system per vendor, each acting for a third of the agencies
    const systems = await Promise.all(
      VENDORS.map(async (vendor, v) => {
        const organIds = agencies.filter((_, i) => i % VENDORS.length === v).map((a) => a.organId);
        const r = await call<{ systemId: string; token: string }>(
          'POST',
          '/v1/admin/systems',
          admin,
          { name: `Hệ thống quản lý văn bản ${vendor}`, vendor, organIds },
          [201],
        );
        return { vendor, systemId: r.systemId, token: r.token, organIds };
      }),
    );
    const systemOf = (organId: string) => systems.find((s) => s.organIds.includes(organId))!;

    // 3. a one-stop-shop member per agency (clerk, officer and leader at once, to drive every action)
    const staff = new Map<string, { staffId: string; token: string }>();
    for (const a of agencies) {
      const r = await call<{ staffId: string; token: string }>(
        'POST',
        '/v1/admin/staff',
        admin,
        { agencyId: a.organId, name: `Cán bộ một cửa ${a.name}`, roles: ['clerk', 'officer', 'leader'] },
        [201],
      );
      staff.set(a.organId, r);
    }

    // 4. this year's calendar as published (holidays and swapped days from the defaults), and the procedures
    const year = new Date().getUTCFullYear();
    const calendar = await call<{ holidays: string[]; workingDays: string[] }>('GET', `/v1/catalog/calendar/${year}`, {}, undefined, [200]);
    await call(
      'PUT',
      `/v1/catalog/calendar/${year}`,
      admin,
      { holidays: calendar.holidays, workingDays: calendar.workingDays },
      [200, 201],
    );
    const procedures = demoProcedures(scaled(200, 10), random);
    await call('POST', '/v1/admin/catalog/import', admin, procedures, [200]);
    // The dossiers service learns procedures over the bus: wait for its replica.
    await hub.platform.projections.get('dossiers-catalog-replica')?.waitFor(await hub.platform.store.headPosition(), 60_000);

    // 5. dossiers received now (a procedure must be in force when a dossier is received), walked to their status
    const dossierCount = Math.round(10_000 * options.scale);
    const byStatus: Record<string, number> = {};
    const levelOf = (a: DemoAgency) => a.level;
    const bar = progress('dossiers', dossierCount);
    await pool(
      dossierCount,
      8,
      async (i) => {
        const agency = agencies[i % agencies.length]!;
        const fitting = procedures.filter((p) => (p.agencyLevels as string[]).includes(levelOf(agency)));
        const procedure = random.pick(fitting.length > 0 ? fitting : procedures);
        const member = staff.get(agency.organId)!;
        const headers = { authorization: `Bearer ${member.token}` };
        const created = await call<{ dossierCode: string }>(
          'POST',
          '/v1/dossiers',
          headers,
          {
            procedureCode: procedure.code,
            agencyId: agency.organId,
            applicant: demoApplicant(random, agency.name),
            channel: random.pick(['counter', 'counter', 'online', 'postal'] as const),
            components: (procedure.components as Array<{ name: string }>).map((c) => c.name),
          },
          [201],
        );
        const path = pickPath(random);
        for (const [action, body] of path.actions) {
          const payload = action === 'assign' ? { officer: member.staffId } : (body ?? {});
          await call('POST', `/v1/dossiers/${encodeURIComponent(created.dossierCode)}/actions/${action}`, headers, payload, [200]);
        }
        byStatus[path.status] = (byStatus[path.status] ?? 0) + 1;
      },
      (done) => bar.update(done),
    );
    bar.stop();

    // 6. documents between agencies, from their vendors' systems; most deliveries acknowledged, some answered
    const documentCount = Math.round(5000 * options.scale);
    let acked = 0;
    let statuses = 0;
    const docBar = progress('documents', documentCount);
    await pool(
      documentCount,
      8,
      async (i) => {
        const from = agencies[random.int(agencies.length)]!;
        const others = agencies.filter((a) => a !== from);
        const to = [...new Set(Array.from({ length: 1 + random.int(3) }, () => random.pick(others)))];
        const sender = systemOf(from.organId);
        const today = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
        const answer = await call<{ documentId: string; recipients: Array<{ organId: string; deliveryId: string }> }>(
          'POST',
          '/v1/documents',
          { authorization: `Bearer ${sender.token}`, 'idempotency-key': `seed-${options.seed}-${i}` },
          documentBody(from, to, i, today, random),
          [202],
        );
        for (const r of answer.recipients) {
          const recipient = { authorization: `Bearer ${systemOf(r.organId).token}` };
          if (random.next() < 0.75) {
            await call('POST', `/v1/deliveries/${r.deliveryId}/ack`, recipient, undefined, [204]);
            acked++;
            if (random.next() < 0.4) {
              await call(
                'POST',
                `/v1/documents/${encodeURIComponent(answer.documentId)}/status`,
                recipient,
                { statusCode: random.pick(['01', '03', '05', '06']), from: r.organId },
                [202],
              );
              statuses++;
            }
          }
        }
      },
      (done) => docBar.update(done),
    );
    docBar.stop();

    // 7. tokens for trying the API
    const tokensFile = join(config.dataDir, 'demo-tokens.json');
    writeFileSync(
      tokensFile,
      `${JSON.stringify(
        {
          admin: hub.adminToken,
          systems: systems.map((s) => ({ vendor: s.vendor, systemId: s.systemId, token: s.token, organIds: s.organIds })),
          staff: agencies.map((a) => ({
            agencyId: a.organId,
            name: a.name,
            staffId: staff.get(a.organId)!.staffId,
            token: staff.get(a.organId)!.token,
          })),
        },
        null,
        2,
      )}\n`,
      { mode: 0o600 },
    );

    return {
      dataDir: config.dataDir,
      tokensFile,
      agencies: agencies.length,
      systems: systems.length,
      staff: staff.size,
      procedures: procedures.length,
      dossiers: dossierCount,
      dossiersByStatus: byStatus,
      documents: documentCount,
      deliveriesAcknowledged: acked,
      statusesReported: statuses,
      events: await hub.platform.store.headPosition(),
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await hub.close();
  }
}

/** The JSON form of an edXML document (QCVN 102 MessageHeader fields). */
function documentBody(from: DemoAgency, to: readonly DemoAgency[], i: number, today: string, random: Random) {
  const number = String(1000 + i);
  return {
    header: {
      from: { organId: from.organId, organName: from.name },
      to: to.map((a) => ({ organId: a.organId, organName: a.name })),
      documentId: `${from.organId},${today},${number}/UBND-VP`,
      code: { codeNumber: number, codeNotation: 'UBND-VP' },
      promulgationInfo: { place: 'Nha Trang', promulgationDate: today.replaceAll('/', '-') },
      documentType: { type: 1, typeName: 'Công văn' },
      subject: random.pick(DOCUMENT_SUBJECTS),
      signerInfo: { position: 'Chánh Văn phòng', fullName: 'Nguyễn Văn An' },
      toPlaces: [],
      otherInfo: { priority: random.int(4), appendixes: [] },
      responseFor: [],
    },
    traceHeaders: [{ organId: from.organId, timestamp: new Date().toISOString() }],
    attachments:
      random.next() < 0.3
        ? [
            {
              name: `van-ban-${number}.txt`,
              contentType: 'text/plain',
              content: Buffer.from(`Nội dung văn bản số ${number}`).toString('base64'),
            },
          ]
        : [],
  };
}
