import t from 'tap';
import { formatDate, formatTimestamp, readDate, readTimestamp } from './dates.js';

t.test('dates in both orders, validated against the calendar', async (t) => {
  t.same(readDate('2019/01/17'), { iso: '2019-01-17', order: 'yyyy/MM/dd' });
  t.same(readDate('17/01/2019'), { iso: '2019-01-17', order: 'dd/MM/yyyy' });
  t.same(readDate('2019-01-17'), { iso: '2019-01-17', order: 'yyyy/MM/dd' });
  t.same(readDate('29/02/2024')?.iso, '2024-02-29');
  for (const bad of ['2019/02/30', '31/04/2019', '2019/13/01', '17-01-19', 'hôm nay', '2019/01/17 10:00:00']) {
    t.equal(readDate(bad), undefined, bad);
  }
  t.equal(formatDate('2019-01-17'), '2019/01/17');
});

t.test('timestamps: no zone means Vietnam time; a zone is converted to +07:00', async (t) => {
  t.same(readTimestamp('2018/06/20 16:35:56'), { iso: '2018-06-20T16:35:56+07:00', order: 'yyyy/MM/dd' });
  t.same(readTimestamp('20/06/2018 16:35:56'), { iso: '2018-06-20T16:35:56+07:00', order: 'dd/MM/yyyy' });
  t.equal(readTimestamp('2018-06-20T09:35:56Z')?.iso, '2018-06-20T16:35:56+07:00');
  t.equal(readTimestamp('2018/06/20 23:00:00+00:00')?.iso, '2018-06-21T06:00:00+07:00');
  t.equal(readTimestamp('2018/06/20')?.iso, '2018-06-20T00:00:00+07:00');
  for (const bad of ['2018/06/20 24:00:00', '2018/06/20 10:61', '2018/06/31 10:00:00', 'x']) t.equal(readTimestamp(bad), undefined, bad);
  t.equal(formatTimestamp('2018-06-20T09:35:56Z'), '2018/06/20 16:35:56');
  t.equal(formatTimestamp('2018-12-31T20:00:00+00:00'), '2019/01/01 03:00:00');
});
