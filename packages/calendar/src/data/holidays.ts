import type { CalendarYear } from '../calendar-year.js';

/*
 * Days off of civil servants (cán bộ, công chức, viên chức) as announced each year; the
 * calendar of every other year is computed by the lunar default (../lunar-default.ts).
 * Each `holidays` list is the announced span from first to last day off, weekends included
 * (listing a weekend day changes nothing); `workingDays` are the Saturdays worked in
 * exchange for a weekday off. Sources were read in the press reports cited below; the
 * official texts are the Prime Minister's decisions relayed by the ministry in charge
 * (MOLISA until early 2025, then the Ministry of Home Affairs, Bộ Nội vụ).
 *
 * 2027: not announced when this was written, so it is not listed and the lunar default
 * applies (Tết 6/2/2027 is a Saturday: 5–11/2 off; Giỗ Tổ 16/4; 30/4–1/5, then Mon 3/5 for
 * the Saturday; 2/9 Thursday plus Friday 3/9). Replace it with PUT /v1/catalog/calendar/2027
 * once announced.
 */
export const ANNOUNCED_CALENDAR_YEARS: readonly CalendarYear[] = [
  {
    // 2024 (MOLISA announcement relayed by chinhphu.vn; VPCP 2450/VPCP-KGVX of 12/4/2024):
    // 1/1 Monday; Tết Giáp Thìn Thu 8/2 (29 tháng Chạp) – Wed 14/2 (mùng 5): 5 Tết days
    // and 2 compensatory days for the weekend (art. 111(3)); Giỗ Tổ Thu 18/4;
    // 30/4–1/5: Sat 27/4 – Wed 1/5, Monday 29/4 swapped with Saturday 4/5;
    // Quốc khánh: Sat 31/8 – Tue 3/9 (2/9 and 3/9).
    year: 2024,
    holidays: [
      '2024-01-01',
      '2024-02-08', '2024-02-09', '2024-02-10', '2024-02-11', '2024-02-12', '2024-02-13', '2024-02-14',
      '2024-04-18',
      '2024-04-27', '2024-04-28', '2024-04-29', '2024-04-30', '2024-05-01',
      '2024-08-31', '2024-09-01', '2024-09-02', '2024-09-03',
    ],
    workingDays: ['2024-05-04'],
  },
  {
    // 2025 (VPCP 8726/VPCP-KGVX of 26/11/2024 and the MOLISA notice that relayed it):
    // 1/1 Wednesday, one day; Tết Ất Tỵ Sat 25/1 (26 tháng Chạp) – Sun 2/2 (mùng 5), nine
    // days of which Mon 27/1 – Fri 31/1 are the 5 Tết days; Giỗ Tổ Mon 7/4;
    // 30/4–1/5: Wed 30/4 – Sun 4/5, Friday 2/5 swapped with Saturday 26/4;
    // Quốc khánh: Sat 30/8 – Tue 2/9 (1/9 and 2/9).
    year: 2025,
    holidays: [
      '2025-01-01',
      '2025-01-25', '2025-01-26', '2025-01-27', '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31',
      '2025-02-01', '2025-02-02',
      '2025-04-05', '2025-04-06', '2025-04-07',
      '2025-04-30', '2025-05-01', '2025-05-02', '2025-05-03', '2025-05-04',
      '2025-08-30', '2025-08-31', '2025-09-01', '2025-09-02',
    ],
    workingDays: ['2025-04-26'],
  },
  {
    // 2026: Tết Dương lịch Thu 1/1 – Sun 4/1, Friday 2/1 swapped with Saturday 10/1
    // (VPCP 12729/VPCP-KGVX of 25/12/2025); Tết Bính Ngọ Sat 14/2 (27 tháng Chạp) –
    // Sun 22/2 (mùng 6), Mon 16/2 – Fri 20/2 being the 5 Tết days, and Quốc khánh
    // Sat 29/8 – Wed 2/9 (1/9 and 2/9), Monday 31/8 swapped with Saturday 22/8 (the Prime
    // Minister's approval of the Ministry of Home Affairs proposal, reported 13/10/2025);
    // Giỗ Tổ falls on Sunday 26/4, compensated Monday 27/4; 30/4 and 1/5 are Thursday and
    // Friday (Sat 25/4 – Mon 27/4 and Thu 30/4 – Sun 3/5 off, as reported 23/2/2026).
    year: 2026,
    holidays: [
      '2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04',
      '2026-02-14', '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20',
      '2026-02-21', '2026-02-22',
      '2026-04-25', '2026-04-26', '2026-04-27',
      '2026-04-30', '2026-05-01', '2026-05-02', '2026-05-03',
      '2026-08-29', '2026-08-30', '2026-08-31', '2026-09-01', '2026-09-02',
    ],
    workingDays: ['2026-01-10', '2026-08-22'],
  },
];
