import t from 'tap';
import { foldText, searchTerms } from './fold.js';

t.test('folds Vietnamese for search', async (t) => {
  t.equal(foldText('Đăng ký khai sinh'), 'dang ky khai sinh');
  t.equal(foldText('ĐĂNG KÝ'), 'dang ky');
  t.equal(foldText('Đăng ký khai sinh'.normalize('NFD')), 'dang ky khai sinh', 'decomposed input');
  t.equal(foldText('Cấp giấy phép xây dựng (nhà ở riêng lẻ)'), 'cap giay phep xay dung nha o rieng le');
  t.equal(foldText('  Thủ tục   ưu đãi, hỗ trợ  '), 'thu tuc uu dai ho tro');
  t.equal(foldText('...'), '');
  t.same(searchTerms('Đăng  ký'), ['dang', 'ky']);
  t.same(searchTerms(''), []);
  t.equal(searchTerms('a b c d e f g h i j k l m n').length, 12, 'at most 12 terms');
});
