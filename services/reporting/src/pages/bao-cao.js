// /bao-cao: the staff member's token stays in this page (as on the counters' board); every read
// goes to the reporting API with it: completeness of the agency tree, the aggregate with its
// sources, and one indicator over the latest periods (uPlot, served by the hub).
'use strict';
(function () {
  var STATES = { 'not-started': 'Chưa nhập', draft: 'Đang nhập', submitted: 'Đã gửi', returned: 'Bị trả lại', accepted: 'Đã duyệt' };
  var LEVELS = { province: 'Tỉnh', district: 'Huyện', commune: 'Xã' };
  var form = document.getElementById('connect');
  var state = document.getElementById('state');
  var chart = null;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) if (arguments[i] !== null && arguments[i] !== undefined) node.append(arguments[i]);
    return node;
  }
  function get(token, url) {
    return fetch(url, { headers: { authorization: 'Bearer ' + token } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.detail || r.statusText);
        return body;
      });
    });
  }
  function q(params) {
    return Object.keys(params)
      .filter(function (k) {
        return params[k];
      })
      .map(function (k) {
        return k + '=' + encodeURIComponent(params[k]);
      })
      .join('&');
  }

  function renderStatus(s) {
    document.getElementById('window').textContent = 'Kỳ ' + s.period + ': chốt số liệu từ ' + s.window.from + ' đến ' + s.window.to + '.';
    var depth = {};
    var tbody = document.querySelector('#status tbody');
    tbody.replaceChildren.apply(
      tbody,
      s.agencies.map(function (a) {
        depth[a.agencyId] = a.parentId && depth[a.parentId] !== undefined ? depth[a.parentId] + 1 : 0;
        return el(
          'tr',
          { class: (a.overdue ? 'overdue ' : '') + 'level-' + depth[a.agencyId], 'data-agency': a.agencyId, 'data-state': a.state },
          el('th', { scope: 'row' }, a.name + ' (' + a.agencyId + ')'),
          el('td', {}, LEVELS[a.level] || a.level),
          el('td', {}, (STATES[a.state] || a.state) + (a.overdue ? ' — quá hạn' : '')),
          el('td', {}, a.submittedAt ? new Date(a.submittedAt).toLocaleDateString('vi-VN') : ''),
        );
      }),
    );
    document.getElementById('status-section').hidden = false;
  }

  function renderAggregate(a) {
    var tbody = document.querySelector('#aggregate tbody');
    tbody.replaceChildren.apply(
      tbody,
      Object.keys(a.indicators).map(function (code) {
        var ind = a.indicators[code];
        var v = a.values[code];
        return el(
          'tr',
          { 'data-code': code },
          el('th', { scope: 'row' }, ind.name),
          el('td', { class: 'num' }, v === undefined ? '—' : String(v)),
          el('td', {}, ind.unit),
        );
      }),
    );
    document.getElementById('sources').textContent =
      'Phiên bản tổng hợp ' +
      a.revision +
      '. Nguồn: ' +
      (a.sources
        .map(function (s) {
          return s.agencyId + ' (bản ' + s.revision + ')';
        })
        .join(', ') || 'chưa có') +
      (a.missing.length ? '. Chưa có báo cáo được duyệt: ' + a.missing.join(', ') : '') +
      (a.stale ? '. Có số liệu đang được đính chính.' : '.');
    document.getElementById('aggregate-section').hidden = false;
  }

  function renderChart(indicator, points) {
    var section = document.getElementById('chart-section');
    var box = document.getElementById('chart');
    document.getElementById('chart-title').textContent = 'Chỉ tiêu ' + indicator + ' qua các kỳ';
    section.hidden = false;
    box.setAttribute(
      'data-periods',
      points
        .map(function (p) {
          return p.period;
        })
        .join(','),
    );
    if (chart) chart.destroy();
    var xs = points.map(function (_p, i) {
      return i;
    });
    var ys = points.map(function (p) {
      return p.value;
    });
    chart = new uPlot(
      {
        width: Math.min(800, box.clientWidth || 800),
        height: 260,
        scales: { x: { time: false } },
        axes: [
          {
            values: function (_u, ticks) {
              return ticks.map(function (i) {
                return points[i] ? points[i].period : '';
              });
            },
          },
          {},
        ],
        series: [{}, { label: indicator, stroke: '#8b0000', width: 2, points: { show: true, size: 8 } }],
      },
      [xs, ys],
      box,
    );
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var token = form.token.value.trim();
    var regime = form.regime.value.trim();
    var period = form.period.value.trim();
    var agency = form.agency.value.trim();
    var indicator = form.indicator.value.trim();
    if (!token || !regime || !period) {
      state.textContent = 'Cần mã truy cập, chế độ và kỳ báo cáo.';
      return;
    }
    state.textContent = 'Đang tải…';
    get(token, '/v1/reporting/status?' + q({ regime: regime, period: period, agencyId: agency }))
      .then(function (s) {
        renderStatus(s);
        var root = agency || s.agencies[0].agencyId;
        var base =
          '/v1/reporting/reports/' + encodeURIComponent(regime) + '/' + encodeURIComponent(period) + '/' + encodeURIComponent(root);
        return Promise.all([
          get(token, base + '/aggregate').then(renderAggregate),
          indicator
            ? get(token, '/v1/reporting/series?' + q({ regime: regime, indicator: indicator, agencyId: root, limit: '12' })).then(
                function (r) {
                  renderChart(indicator, r.points);
                },
              )
            : null,
        ]);
      })
      .then(function () {
        state.textContent = 'Đã cập nhật.';
      })
      .catch(function (e) {
        state.textContent = 'Lỗi: ' + e.message;
      });
  });
})();
