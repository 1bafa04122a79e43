/**
 * Organisation identifiers (mã định danh). Two official forms, both accepted:
 * QCVN 102:2016 `000.00.00.H40` (level 1 right-most) and QĐ 20/2020 `H40.12` (level 1 left-most).
 * Real traffic also carries ids matching neither (`28.22.H17`, `vxp.saas.03`): the directory,
 * not a regex, decides which ids exist.
 */
export const OrganIdForms = ['qcvn102', 'qd20', 'other'] as const;
export type OrganIdForm = (typeof OrganIdForms)[number];

const QCVN102 = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;
const QD20 = /^[0-9A-Z]+(\.[0-9A-Z]+)*$/;

export function organIdForm(id: string): OrganIdForm {
  if (QCVN102.test(id)) return 'qcvn102';
  if (id.length <= 35 && QD20.test(id)) return 'qd20';
  return 'other';
}

/** Ids compare case-insensitively and without surrounding blanks. */
export function organIdKey(id: string): string {
  return id.trim().toUpperCase();
}
