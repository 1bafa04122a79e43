// Shared by the lookup and board pages: dates on the Vietnam clock, DOM helpers.
'use strict';
window.tracker = (function () {
  var dateTime = new Intl.DateTimeFormat('vi-VN', {
    timeZone: 'Asia/Ho_Chi_Minh',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? '' : dateTime.format(d);
  }
  /** el('p', {class: 'x'}, 'text', child…): text goes through textContent, never HTML. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }
  function time(iso) {
    return el('time', { datetime: iso }, when(iso));
  }
  return { when: when, el: el, time: time, overdueLabel: 'Quá hạn' };
})();
