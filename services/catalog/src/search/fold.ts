/**
 * Folds Vietnamese text for search: NFD, combining marks stripped, đ/Đ → d, lower case,
 * punctuation turned into spaces, spaces collapsed. `Đăng ký khai sinh` → `dang ky khai sinh`.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The words of a folded query, at most `max` of them (a search box, not a document). */
export function searchTerms(query: string, max = 12): string[] {
  const folded = foldText(query);
  return folded === '' ? [] : folded.split(' ').slice(0, max);
}
