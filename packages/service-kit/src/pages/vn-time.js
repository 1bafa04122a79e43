// Dates on the Vietnam clock for every page (the tracker's, the citizens' portal): served by each
// service among its own assets as vn-time.js (servePages, VN_TIME_SCRIPT). Plain script, no build step.
'use strict';
window.vnTime = (function () {
  var dateTime = new Intl.DateTimeFormat('vi-VN', {
    timeZone: 'Asia/Ho_Chi_Minh',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  /** An ISO instant as dd/MM/yyyy HH:mm in Vietnam, or '' for what is not a date. */
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? '' : dateTime.format(d);
  }
  return { when: when };
})();
