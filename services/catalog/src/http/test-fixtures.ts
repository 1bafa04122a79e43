import type { ProcedureRecord } from '../events.js';

/** A realistic record (Đăng ký khai sinh, commune level) for route tests. */
export const birthRegistration: ProcedureRecord = {
  name: 'Đăng ký khai sinh',
  field: 'Hộ tịch',
  agencyLevels: ['commune'],
  processingDays: 1,
  fees: [{ description: 'Lệ phí đăng ký khai sinh đúng hạn', amount: 0 }],
  components: [
    { name: 'Tờ khai đăng ký khai sinh', copies: 1, form: 'Mẫu TP/HT-2020-KS.1' },
    { name: 'Giấy chứng sinh', copies: 1 },
  ],
  result: 'Giấy khai sinh',
  legalBasis: ['Luật Hộ tịch 2014', 'Nghị định 123/2015/NĐ-CP'],
  onlineLevel: 'full',
};

export const procedure = (name: string, overrides: Partial<ProcedureRecord> = {}): ProcedureRecord => ({
  ...birthRegistration,
  name,
  ...overrides,
});
