import t from 'tap';
import { matchScore, parseRoutePattern, routesCover, selectPeer } from './route-patterns.js';

t.test('patterns parse in both id forms', (t) => {
  t.same(parseRoutePattern('000.00.12.H41'), { kind: 'exact', id: '000.00.12.H41' });
  t.same(parseRoutePattern('*.H41'), { kind: 'suffix', labels: ['H41'] });
  t.same(parseRoutePattern('H41.*'), { kind: 'prefix', labels: ['H41'] });
  t.same(parseRoutePattern('*'), { kind: 'default' });
  t.type(parseRoutePattern('*.H4 1'), 'string');
  t.type(parseRoutePattern('a.*.b'), 'string');
  t.type(parseRoutePattern(''), 'string');
  t.end();
});

t.test('suffix matches QCVN 102 ids, prefix matches QĐ 20 ids, never the bare label', (t) => {
  const suffix = parseRoutePattern('*.H41');
  const prefix = parseRoutePattern('H41.*');
  if (typeof suffix === 'string' || typeof prefix === 'string') throw new Error('unparsed');
  t.equal(matchScore(suffix, '000.00.12.H41'), 1);
  t.equal(matchScore(suffix, '000.00.12.h41'), 1, 'case does not matter');
  t.equal(matchScore(suffix, 'H41.12.00.000'), -1);
  t.equal(matchScore(suffix, 'H41'), -1);
  t.equal(matchScore(prefix, 'H41.12.00.000'), 1);
  t.equal(matchScore(prefix, '000.00.12.H41'), -1);
  t.end();
});

t.test('most specific wins: exact > longer suffix > shorter suffix > default', (t) => {
  const peers = [
    { peerId: 'axis', routes: ['*'] },
    { peerId: 'khanh-hoa', routes: ['*.H41', 'H41.*'] },
    { peerId: 'kh-health', routes: ['*.12.H41'] },
    { peerId: 'one-office', routes: ['000.00.99.H41'] },
  ];
  t.equal(selectPeer(peers, '000.00.12.H41')?.peerId, 'kh-health');
  t.equal(selectPeer(peers, '000.00.13.H41')?.peerId, 'khanh-hoa');
  t.equal(selectPeer(peers, 'H41.13.00.000')?.peerId, 'khanh-hoa');
  t.equal(selectPeer(peers, '000.00.99.H41')?.peerId, 'one-office');
  t.equal(selectPeer(peers, '000.00.00.G22')?.peerId, 'axis');
  t.equal(selectPeer(peers.slice(1), '000.00.00.G22'), undefined, 'no default route: no peer');
  t.equal(
    selectPeer(
      [
        { peerId: 'b', routes: ['*.H41'] },
        { peerId: 'a', routes: ['*.H41'] },
      ],
      '1.H41',
    )?.peerId,
    'a',
    'a tie goes to the smaller id',
  );
  t.end();
});

t.test('routesCover: a peer speaks only for what its routes match', (t) => {
  t.equal(routesCover(['*.H41'], '000.00.12.H41'), true);
  t.equal(routesCover(['*.H41'], '000.00.12.H42'), false);
  t.equal(routesCover(['*'], 'anything'), true);
  t.end();
});
