// /bao-cao: staff log in with a single-use ticket, as on the counters' board: ?ticket= in the
// address (removed at once), or a typed token that only asks POST /v1/reporting/tickets for one.
// The ticket is taken by POST /v1/reporting/session, which answers with the page's credential in
// an HttpOnly cookie (no script here ever holds it); every read then goes to the reporting API:
// completeness of the agency tree, the aggregate with its sources, and one indicator over the
// latest periods (uPlot, served by the hub).
'use strict';
(function () {
  var STATES = { 'not-started': 'Chưa nhập', draft: 'Đang nhập', submitted: 'Đã gửi', returned: 'Bị trả lại', accepted: 'Đã duyệt' };
  var LEVELS = { province: 'Tỉnh', district: 'Huyện', commune: 'Xã' };
  var ROLES = { clerk: 'tiếp nhận', officer: 'chuyên viên', leader: 'lãnh đạo' };
  // why a ticket or a page session is refused (the problem's `ticket` or `pageSession` member)
  var REFUSALS = {
    used: 'Vé đăng nhập này đã được dùng. Mỗi vé chỉ dùng được một lần: hãy nhập mã truy cập hoặc xin vé mới.',
    expired: 'Vé hoặc phiên đăng nhập đã hết hạn. Hãy đăng nhập lại.',
    forged: 'Vé đăng nhập không hợp lệ (sai chữ ký). Hãy đăng nhập lại.',
    malformed: 'Vé đăng nhập không đúng định dạng. Hãy đăng nhập lại.',
    'other-use': 'Vé này không dùng cho trang báo cáo (ví dụ: vé của bảng theo dõi). Hãy đăng nhập lại.',
    revoked: 'Mã truy cập đã bị thu hồi hoặc thay đổi. Hãy đăng nhập bằng mã mới.',
  };
  var form = document.getElementById('connect');
  var login = document.getElementById('login');
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
  /** A call to the hub; a refusal becomes an Error with the problem's status and reason. */
  function call(method, url, body, token) {
    var headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = 'Bearer ' + token;
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      if (r.status === 204) return null;
      return r.json().then(function (b) {
        if (r.ok) return b;
        var error = new Error(b.detail || r.statusText);
        error.status = r.status;
        error.reason = b.ticket || b.pageSession;
        throw error;
      });
    });
  }
  function get(url) {
    return call('GET', url);
  }

  function loggedIn(session) {
    document.getElementById('login-section').hidden = true;
    document.getElementById('session-section').hidden = false;
    form.hidden = false;
    document.getElementById('who').textContent =
      (session.kind === 'admin'
        ? 'Quản trị hệ thống (toàn tỉnh)'
        : 'Cán bộ ' +
          (session.roles || [])
            .map(function (r) {
              return ROLES[r] || r;
            })
            .join(', ') +
          ' của cơ quan ' +
          session.agencyId) +
      ' — phiên đến ' +
      new Date(session.expiresAt).toLocaleTimeString('vi-VN') +
      '.';
    state.textContent = 'Đã đăng nhập.';
  }
  /** Back to the login form, nothing of the reports left on screen; `error` says why. */
  function loggedOut(error) {
    ['session-section', 'status-section', 'chart-section', 'aggregate-section'].forEach(function (id) {
      document.getElementById(id).hidden = true;
    });
    form.hidden = true;
    document.getElementById('login-section').hidden = false;
    document.getElementById('login-message').textContent = error ? REFUSALS[error.reason] || 'Không đăng nhập được: ' + error.message : '';
    state.textContent = 'Chưa đăng nhập.';
  }
  function exchange(ticket) {
    state.textContent = 'Đang đăng nhập…';
    return call('POST', '/v1/reporting/session', { ticket: ticket }).then(loggedIn, loggedOut);
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
    var regime = form.regime.value.trim();
    var period = form.period.value.trim();
    var agency = form.agency.value.trim();
    var indicator = form.indicator.value.trim();
    if (!regime || !period) {
      state.textContent = 'Cần chế độ và kỳ báo cáo.';
      return;
    }
    state.textContent = 'Đang tải…';
    get('/v1/reporting/status?' + q({ regime: regime, period: period, agencyId: agency }))
      .then(function (s) {
        renderStatus(s);
        var root = agency || s.agencies[0].agencyId;
        var base =
          '/v1/reporting/reports/' + encodeURIComponent(regime) + '/' + encodeURIComponent(period) + '/' + encodeURIComponent(root);
        return Promise.all([
          get(base + '/aggregate').then(renderAggregate),
          indicator
            ? get('/v1/reporting/series?' + q({ regime: regime, indicator: indicator, agencyId: root, limit: '12' })).then(function (r) {
                renderChart(indicator, r.points);
              })
            : null,
        ]);
      })
      .then(function () {
        state.textContent = 'Đã cập nhật.';
      })
      .catch(function (e) {
        if (e.status === 401) loggedOut(e);
        else state.textContent = 'Lỗi: ' + e.message;
      });
  });

  // a typed token only asks for a ticket, which is then taken like one from the address
  login.addEventListener('submit', function (event) {
    event.preventDefault();
    var token = login.token.value.trim();
    login.token.value = '';
    if (!token) {
      document.getElementById('login-message').textContent = 'Cần mã truy cập của cán bộ.';
      return;
    }
    call('POST', '/v1/reporting/tickets', {}, token).then(
      function (issued) {
        return exchange(issued.ticket);
      },
      function (e) {
        loggedOut(e.status === 401 ? { message: 'mã truy cập không đúng hoặc đã bị thu hồi.' } : e);
      },
    );
  });

  document.getElementById('logout').addEventListener('click', function () {
    call('DELETE', '/v1/reporting/session').then(function () {
      loggedOut();
    });
  });

  // a ticket in the address is used once and removed from it (history, bookmarks, screenshots)
  var ticket = new URLSearchParams(location.search).get('ticket');
  if (ticket) {
    history.replaceState(null, '', location.pathname);
    exchange(ticket);
  } else {
    get('/v1/reporting/session').then(loggedIn, function (e) {
      // no session yet is not an error worth a message
      loggedOut(e.reason ? e : undefined);
    });
  }
})();
