// @dqcai/vn-lunar's own declarations import './core' without an extension, which NodeNext cannot
// resolve, so its functions would be typed `any`: this declares the two used here.
declare module '@dqcai/vn-lunar' {
  /** The lunar date of a solar (Gregorian) date, at UTC+7. */
  export function getLunarDate(
    day: number,
    month: number,
    year: number,
  ): { readonly day: number; readonly month: number; readonly year: number; readonly leap: boolean };
  /** The solar date of a lunar date; 0/0/0 outside the library's tables. */
  export function getSolarDate(
    day: number,
    month: number,
    year: number,
    leap?: boolean,
  ): { readonly day: number; readonly month: number; readonly year: number };
}
