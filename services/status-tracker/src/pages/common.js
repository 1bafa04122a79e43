// Shared by the lookup and board pages: DOM helpers, and dates on the Vietnam clock (vn-time.js).
'use strict';
window.tracker = (function () {
  var when = window.vnTime.when; // vn-time.js, loaded first
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
