// Citizen lookup: GET /v1/track/:code?pin=, then a quiet poll (the browser revalidates with the ETag).
'use strict';
(function () {
  var t = window.tracker,
    el = t.el;
  var form = document.getElementById('lookup');
  var codeInput = document.getElementById('code');
  var pinInput = document.getElementById('pin');
  var result = document.getElementById('result');
  var POLL_MS = 60000;
  var poll = null,
    shown = '';

  function show(nodes) {
    result.replaceChildren.apply(result, nodes);
    var heading = result.querySelector('h2');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }
  function message(title, text, kind) {
    return [el('div', { class: 'notice ' + kind }, el('h2', {}, title), el('p', {}, text))];
  }
  function field(input, ok) {
    input.setAttribute('aria-invalid', ok ? 'false' : 'true');
    return ok;
  }

  function render(d) {
    var progress = d.overdue ? t.overdueLabel : d.onTime ? 'Đúng hạn' : 'Trễ hạn';
    var history = el('ol', { class: 'timeline' });
    d.history.forEach(function (h) {
      history.appendChild(el('li', {}, t.time(h.at), ' ', el('span', { class: 'status s' + h.statusCode }, h.statusLabel)));
    });
    return [
      el(
        'article',
        { class: 'dossier' + (d.overdue ? ' overdue' : '') },
        el('h2', {}, 'Hồ sơ ' + d.dossierCode),
        el(
          'dl',
          {},
          el('dt', {}, 'Thủ tục'),
          el('dd', {}, d.procedure.name + ' (' + d.procedure.code + ')'),
          d.applicant ? el('dt', {}, 'Người nộp') : null,
          d.applicant ? el('dd', {}, d.applicant) : null,
          el('dt', {}, 'Trạng thái'),
          el('dd', { class: 'current' }, el('span', { class: 'status s' + d.statusCode }, d.statusLabel)),
          el('dt', {}, 'Ngày tiếp nhận'),
          el('dd', {}, t.time(d.receivedAt)),
          el('dt', {}, 'Hẹn trả kết quả'),
          el('dd', {}, t.time(d.dueAt)),
          el('dt', {}, 'Tiến độ'),
          el('dd', { class: 'progress' }, progress),
        ),
        el('h3', {}, 'Quá trình xử lý'),
        history,
      ),
    ];
  }

  function lookup(code, pin, quiet) {
    var url = '/v1/track/' + encodeURIComponent(code) + '?pin=' + encodeURIComponent(pin);
    return fetch(url, { cache: 'no-cache', headers: { accept: 'application/json' } }).then(
      function (res) {
        if (res.ok)
          return res.text().then(function (body) {
            if (quiet && body === shown) return; // unchanged: nothing to announce
            shown = body;
            var nodes = render(JSON.parse(body));
            if (quiet) result.replaceChildren.apply(result, nodes);
            else show(nodes);
            schedule(code, pin);
          });
        stop();
        if (res.status === 404)
          return show(
            message(
              'Không tìm thấy hồ sơ',
              'Không có hồ sơ nào khớp với mã hồ sơ và mã tra cứu đã nhập. Vui lòng kiểm tra lại hai mã in trên giấy tiếp nhận.',
              'error',
            ),
          );
        if (res.status === 429) {
          var wait = res.headers.get('retry-after');
          return show(
            message(
              'Tạm thời không tra cứu được',
              'Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau ' + (wait || '60') + ' giây.',
              'error',
            ),
          );
        }
        if (res.status === 400)
          return show(
            message('Mã không hợp lệ', 'Mã hồ sơ chỉ gồm chữ, số, dấu chấm và dấu gạch ngang; mã tra cứu chỉ gồm chữ số.', 'error'),
          );
        return show(message('Có lỗi xảy ra', 'Hệ thống đang bận. Vui lòng thử lại sau ít phút.', 'error'));
      },
      function () {
        if (!quiet) show(message('Không kết nối được', 'Không kết nối được tới hệ thống. Vui lòng kiểm tra mạng và thử lại.', 'error'));
      },
    );
  }
  function stop() {
    if (poll) clearTimeout(poll);
    poll = null;
  }
  function schedule(code, pin) {
    stop();
    poll = setTimeout(function () {
      if (!document.hidden) lookup(code, pin, true);
      else schedule(code, pin);
    }, POLL_MS);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    stop();
    shown = '';
    var code = codeInput.value.trim();
    var pin = pinInput.value.replace(/\s+/g, '');
    var okCode = field(codeInput, code.length > 0);
    var okPin = field(pinInput, pin.length > 0);
    if (!okCode || !okPin) {
      show(message('Thiếu thông tin', !okCode ? 'Vui lòng nhập mã hồ sơ.' : 'Vui lòng nhập mã tra cứu (PIN).', 'error'));
      (okCode ? pinInput : codeInput).focus();
      return;
    }
    result.setAttribute('aria-busy', 'true');
    lookup(code, pin, false).then(function () {
      result.removeAttribute('aria-busy');
    });
  });
})();
