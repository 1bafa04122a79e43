/**
 * Staff roles at a one-stop-shop counter: clerk (cán bộ một cửa), officer (chuyên viên), leader
 * (lãnh đạo). A domain fact (deciders check them), so it lives here rather than with the HTTP kit.
 */
export const StaffRoles = ['clerk', 'officer', 'leader'] as const;
export type StaffRole = (typeof StaffRoles)[number];
