// Counter board: a ticket from POST /v1/track/tickets (staff token) or ?ticket= in the address,
// then the WebSocket /v1/track/live: a snapshot of the open dossiers, then every change.
'use strict';
(function () {
  var t = window.tracker,
    el = t.el;
  var form = document.getElementById('connect');
  var tokenInput = document.getElementById('token');
  var agencyInput = document.getElementById('agency');
  var state = document.getElementById('state');
  var summary = document.getElementById('summary');
  var table = document.getElementById('dossiers');
  var tbody = table.querySelector('tbody');
  var rows = new Map();
  var boardAgency = null,
    token = null,
    agency = null,
    socket = null,
    retry = 0,
    lastChanged = null;

  function setState(text) {
    state.textContent = text;
  }
  function overdue(d) {
    return d.overdue || (d.statusCode !== 5 && Date.parse(d.dueAt) < Date.now());
  }

  function render() {
    var items = Array.from(rows.values()).sort(function (a, b) {
      return a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0;
    });
    var late = 0;
    tbody.replaceChildren.apply(
      tbody,
      items.map(function (d) {
        var isLate = overdue(d);
        if (isLate) late++;
        var cls = (isLate ? 'overdue' : '') + (d.dossierCode === lastChanged ? ' changed' : '');
        return el(
          'tr',
          { class: cls.trim(), 'data-code': d.dossierCode, 'data-status': String(d.statusCode) },
          el('th', { scope: 'row' }, d.dossierCode),
          el('td', {}, d.procedureName),
          el('td', {}, el('span', { class: 'status s' + d.statusCode }, d.statusLabel)),
          el('td', {}, t.time(d.dueAt), isLate ? el('strong', { class: 'late' }, ' — ' + t.overdueLabel) : null),
        );
      }),
    );
    table.hidden = false;
    summary.textContent = items.length + ' hồ sơ đang giải quyết, ' + late + ' hồ sơ quá hạn.';
  }

  function open(ticket, agencyId) {
    var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var url =
      proto +
      '//' +
      location.host +
      '/v1/track/live?ticket=' +
      encodeURIComponent(ticket) +
      (agencyId ? '&agencyId=' + encodeURIComponent(agencyId) : '');
    setState('Đang kết nối…');
    socket = new WebSocket(url);
    socket.onopen = function () {
      retry = 0;
      form.hidden = true;
      setState('Đã kết nối: cập nhật trực tiếp.');
    };
    socket.onmessage = function (event) {
      var m = JSON.parse(event.data);
      if (m.type === 'snapshot') {
        boardAgency = m.agencyId;
        document.getElementById('agency-name').textContent = 'Bộ phận một cửa — cơ quan ' + m.agencyId;
        rows.clear();
        m.dossiers.forEach(function (d) {
          rows.set(d.dossierCode, d);
        });
      } else if (m.type === 'dossier') {
        lastChanged = m.dossierCode;
        if (m.resolved || m.agencyId !== boardAgency) rows.delete(m.dossierCode);
        else rows.set(m.dossierCode, m);
      }
      render();
    };
    socket.onclose = function () {
      socket = null;
      if (!token) {
        setState('Mất kết nối. Tải lại trang với một vé mới để tiếp tục.');
        return;
      }
      retry = Math.min(retry + 1, 6);
      setState('Mất kết nối, đang thử lại…');
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }

  function connect() {
    var body = agency ? { agencyId: agency } : {};
    setState('Đang xin vé kết nối…');
    fetch('/v1/track/tickets', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then(function (res) {
        if (res.status === 401) {
          token = null;
          throw new Error('Mã truy cập không đúng hoặc đã bị thu hồi.');
        }
        if (res.status === 403) {
          token = null;
          throw new Error('Bạn không có quyền xem bảng của cơ quan này.');
        }
        if (!res.ok) throw new Error('Không xin được vé kết nối (lỗi ' + res.status + ').');
        return res.json();
      })
      .then(
        function (issued) {
          open(issued.ticket, null);
        },
        function (error) {
          setState(error.message);
          if (token) setTimeout(connect, 5000);
          else form.hidden = false;
        },
      );
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    token = tokenInput.value.trim();
    agency = agencyInput.value.trim();
    tokenInput.value = '';
    if (!token) {
      tokenInput.setAttribute('aria-invalid', 'true');
      setState('Vui lòng nhập mã truy cập.');
      tokenInput.focus();
      return;
    }
    tokenInput.setAttribute('aria-invalid', 'false');
    if (socket) socket.close();
    connect();
  });

  // An overdue mark needs no event: re-check the due dates every 30 s.
  setInterval(function () {
    if (rows.size > 0) render();
  }, 30000);

  var params = new URLSearchParams(location.search);
  if (params.get('ticket')) {
    history.replaceState(null, '', location.pathname); // a used ticket has no business in the address bar
    form.hidden = true;
    open(params.get('ticket'), params.get('agencyId'));
  }
})();
