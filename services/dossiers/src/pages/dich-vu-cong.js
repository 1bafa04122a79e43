// Citizens' portal (dịch vụ công trực tuyến, SPEC §7): search the catalog, fill the e-form generated
// from the procedure's JSON Schema, attach files, submit with progress, print the receipt, then with
// code and PIN follow, supplement, pay, withdraw and download the result. Plain script, no build step.
'use strict';
(function () {
  var $ = function (id) {
    return document.getElementById(id);
  };
  var when = window.vnTime.when; // dates on the Vietnam clock: vn-time.js, loaded first
  var money = new Intl.NumberFormat('vi-VN', { style: 'currency', currency: 'VND' });
  var LEVELS = { full: 'Toàn trình', partial: 'Một phần' };
  var TYPE_NAMES = {
    'application/pdf': 'PDF',
    'image/jpeg': 'JPG',
    'image/png': 'PNG',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'DOCX',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'XLSX',
    'application/xml': 'XML',
  };
  var EXTENSIONS = { PDF: '.pdf', JPG: '.jpg,.jpeg', PNG: '.png', DOCX: '.docx', XLSX: '.xlsx', XML: '.xml' };
  var ALL_TYPES = Object.keys(TYPE_NAMES);

  /** el('p', {class: 'x'}, 'text', child…): text goes through textContent, never HTML. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  function json(res) {
    return res.text().then(function (body) {
      var data = null;
      try {
        data = body ? JSON.parse(body) : null;
      } catch (e) {
        data = null;
      }
      return { status: res.status, ok: res.ok, data: data };
    });
  }
  function get(url) {
    return fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' }).then(json);
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(json);
  }
  function uniqueId(prefix) {
    uniqueId.n = (uniqueId.n || 0) + 1;
    return prefix + '-' + uniqueId.n;
  }

  // ---- views ---------------------------------------------------------------------------------
  var VIEWS = ['search', 'submit', 'receipt', 'mine'];
  function show(view, focus) {
    VIEWS.forEach(function (v) {
      $(v).hidden = v !== view;
    });
    if (focus !== false) {
      var heading = $(view).querySelector('h2');
      if (heading) heading.focus();
    }
  }
  document.querySelectorAll('[data-view]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      var view = link.getAttribute('data-view');
      history.replaceState(null, '', view === 'mine' ? '#ho-so-cua-toi' : '#tim-thu-tuc');
      show(view);
    });
  });

  // ---- messages and field errors -------------------------------------------------------------
  /** Vietnamese for what the server (ajv, the upload checks) says in English. */
  function vietnamese(message) {
    var m = String(message || '');
    var n;
    if (/is required|must have required property/.test(m)) return 'Vui lòng nhập thông tin này.';
    if ((n = /fewer than (\d+) characters/.exec(m)) || (n = /at least (\d+) characters/.exec(m))) return 'Cần ít nhất ' + n[1] + ' ký tự.';
    if ((n = /more than (\d+) characters/.exec(m)) || (n = /at most (\d+) characters/.exec(m))) return 'Tối đa ' + n[1] + ' ký tự.';
    if (/must not be empty/.test(m)) return 'Không được để trống.';
    if (/must match pattern|must match format/.test(m)) return 'Không đúng định dạng.';
    if (/e-mail/.test(m)) return 'Địa chỉ thư điện tử không hợp lệ.';
    if (/must be equal to one of/.test(m)) return 'Vui lòng chọn một giá trị trong danh sách.';
    if ((n = /must be >= (\S+)/.exec(m))) return 'Giá trị nhỏ nhất là ' + n[1] + '.';
    if ((n = /must be <= (\S+)/.exec(m))) return 'Giá trị lớn nhất là ' + n[1] + '.';
    if (/must be (integer|number)/.test(m)) return 'Vui lòng nhập một số.';
    if (/zip bomb|zip package|zip64|central directory/.test(m)) return 'Tệp bị hỏng hoặc là tệp nén bất thường, không được chấp nhận.';
    if (/name says/.test(m)) return 'Nội dung tệp không đúng với loại tệp ghi trong tên tệp.';
    if (/accepted:|its content is/.test(m)) return 'Loại tệp không được chấp nhận.';
    if ((n = /at most ([\d.]+) MB|too large/.exec(m))) return n[1] ? 'Tệp quá lớn: tối đa ' + n[1] + ' MB.' : 'Tệp quá lớn.';
    if (/must be one of/.test(m)) return 'Thành phần hồ sơ không có trong thủ tục.';
    return 'Thông tin không hợp lệ.';
  }
  function setError(target, text) {
    target.error.textContent = text || '';
    target.error.hidden = !text;
    target.input.setAttribute('aria-invalid', text ? 'true' : 'false');
  }
  function notice(kind, title, text) {
    return el(
      'div',
      { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status' },
      el('p', {}, el('strong', {}, title)),
      text ? el('p', {}, text) : null,
    );
  }
  function failure(res) {
    if (res.status === 429) return notice('error', 'Bạn thao tác quá nhiều lần', 'Vui lòng thử lại sau ít phút.');
    if (res.status === 404)
      return notice('error', 'Không tìm thấy hồ sơ', 'Mã hồ sơ hoặc mã tra cứu (PIN) không đúng. Vui lòng kiểm tra lại giấy tiếp nhận.');
    if (res.status === 409) return notice('error', 'Không thực hiện được', 'Hồ sơ đang ở trạng thái không cho phép thao tác này.');
    if (res.status === 0) return notice('error', 'Không kết nối được', 'Vui lòng kiểm tra mạng và thử lại.');
    return notice('error', 'Có lỗi xảy ra', 'Hệ thống đang bận. Vui lòng thử lại sau ít phút.');
  }

  // ---- search --------------------------------------------------------------------------------
  /** Only the latest search may paint: the first page's list answering after a typed search must not replace its results. */
  var searchSeq = 0;
  function search(q) {
    var seq = ++searchSeq;
    $('search-status').textContent = 'Đang tìm…';
    return get('/v1/catalog/procedures?limit=20&q=' + encodeURIComponent(q)).then(
      function (res) {
        if (seq !== searchSeq) return;
        var list = $('procedures');
        list.replaceChildren();
        if (!res.ok) {
          $('search-status').textContent = 'Không tìm được thủ tục. Vui lòng thử lại.';
          return;
        }
        var items = res.data.items.filter(function (p) {
          return p.onlineLevel === 'full' || p.onlineLevel === 'partial';
        });
        $('search-status').textContent = items.length ? 'Tìm thấy ' + items.length + ' thủ tục.' : 'Không có thủ tục nào phù hợp.';
        items.forEach(function (p) {
          var open = el('button', { type: 'button', 'aria-label': 'Nộp hồ sơ: ' + p.name }, 'Nộp hồ sơ');
          open.addEventListener('click', function () {
            openProcedure(p.code);
          });
          list.appendChild(
            el(
              'li',
              { 'data-code': p.code },
              el('h3', {}, p.name),
              el(
                'p',
                { class: 'meta' },
                'Mã ' + p.code + ' · ' + p.field + ' · Dịch vụ công trực tuyến ' + (LEVELS[p.onlineLevel] || '').toLowerCase(),
              ),
              open,
            ),
          );
        });
      },
      function () {
        if (seq === searchSeq) $('search-status').textContent = 'Không kết nối được tới hệ thống.';
      },
    );
  }
  $('search-form').addEventListener('submit', function (event) {
    event.preventDefault();
    search($('q').value.trim());
  });

  // ---- the e-form, generated from the procedure's JSON Schema -------------------------------
  /** Every input of the generated form: its JSON pointer, schema, input and error element. */
  var formFields = [];
  function labelOf(key, schema) {
    return schema.title || key;
  }
  /**
   * The order of the fields: the catalog keeps a schema as canonical JSON (its keys sorted), so the
   * order of `required` comes first, then the other properties, and a pledge (a boolean that must be
   * true, "tôi cam đoan…") last.
   */
  function fieldOrder(schema, required) {
    var keys = Object.keys(schema.properties || {});
    var pledge = function (k) {
      var p = schema.properties[k] || {};
      return p.type === 'boolean' && p.const === true ? 1 : 0;
    };
    var rank = function (k) {
      var i = required.indexOf(k);
      return i >= 0 ? i : required.length + keys.indexOf(k);
    };
    return keys.sort(function (a, b) {
      return pledge(a) - pledge(b) || rank(a) - rank(b);
    });
  }
  function renderSchema(schema, pointer, required, container) {
    fieldOrder(schema, required).forEach(function (key) {
      var prop = schema.properties[key] || {};
      var path = pointer + '/' + key.replace(/~/g, '~0').replace(/\//g, '~1');
      var isRequired = required.indexOf(key) >= 0;
      if (prop.type === 'object' && prop.properties) {
        var set = el('fieldset', { class: 'nested' }, el('legend', {}, labelOf(key, prop)));
        container.appendChild(set);
        renderSchema(prop, path, prop.required || [], set);
        return;
      }
      var id = uniqueId('tk');
      var error = el('p', { id: id + '-error', class: 'error', hidden: true });
      var hint = prop.description ? el('p', { id: id + '-hint', class: 'hint' }, prop.description) : null;
      var input;
      var kind = Array.isArray(prop.type) ? prop.type[0] : prop.type;
      var values = prop.enum || (prop.items && prop.items.enum);
      if (kind === 'boolean') {
        input = el('input', { id: id, type: 'checkbox' });
      } else if (values && kind !== 'array') {
        input = el('select', { id: id }, el('option', { value: '' }, '— Chọn —'));
        values.forEach(function (v) {
          input.appendChild(el('option', { value: JSON.stringify(v) }, String(v)));
        });
      } else if (kind === 'array') {
        input = el('textarea', { id: id, rows: '3' });
        hint = el('p', { id: id + '-hint', class: 'hint' }, (prop.description ? prop.description + ' ' : '') + 'Mỗi dòng một giá trị.');
      } else if (kind === 'integer' || kind === 'number') {
        input = el('input', {
          id: id,
          type: 'number',
          inputmode: kind === 'integer' ? 'numeric' : 'decimal',
          step: kind === 'integer' ? '1' : 'any',
          min: prop.minimum,
          max: prop.maximum,
        });
      } else if (prop.maxLength > 200) {
        input = el('textarea', { id: id, rows: '4', maxlength: prop.maxLength });
      } else {
        var type =
          prop.format === 'date' || /^\^?\\d\{4\}-\\d\{2\}-\\d\{2\}\$?$/.test(prop.pattern || '')
            ? 'date'
            : prop.format === 'email'
              ? 'email'
              : 'text';
        input = el('input', { id: id, type: type, maxlength: prop.maxLength });
      }
      input.setAttribute('name', 'form' + path);
      if (isRequired) input.setAttribute('aria-required', 'true');
      input.setAttribute('aria-describedby', (hint ? id + '-hint ' : '') + id + '-error');
      var label = el(
        'label',
        { for: id },
        labelOf(key, prop),
        isRequired ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null,
      );
      var wrap = el('div', { class: kind === 'boolean' ? 'field check' : 'field' });
      if (kind === 'boolean') wrap.append(input, label, hint || '', error);
      else wrap.append(label, input, hint || '', error);
      container.appendChild(wrap);
      formFields.push({ path: path, schema: prop, kind: kind, required: isRequired, input: input, error: error });
    });
  }
  /** The value of one generated field, or undefined when left empty. */
  function valueOf(f) {
    if (f.kind === 'boolean') return f.input.checked;
    var raw = f.input.value;
    if (f.input.tagName === 'SELECT') return raw === '' ? undefined : JSON.parse(raw);
    if (f.kind === 'array') {
      var lines = raw
        .split('\n')
        .map(function (s) {
          return s.trim();
        })
        .filter(Boolean);
      var itemKind = f.schema.items && f.schema.items.type;
      return lines.length
        ? lines.map(function (s) {
            return itemKind === 'integer' || itemKind === 'number' ? Number(s) : s;
          })
        : undefined;
    }
    raw = raw.trim();
    if (raw === '') return undefined;
    if (f.kind === 'integer' || f.kind === 'number') return Number(raw);
    return raw;
  }
  /** A first check in the browser (the server checks again with the same schema). */
  function checkField(f, value) {
    var s = f.schema;
    if (value === undefined || (f.kind === 'boolean' && value === false && s.const === true))
      return f.required ? 'Vui lòng nhập thông tin này.' : '';
    if (f.kind === 'integer' || f.kind === 'number') {
      if (isNaN(value) || (f.kind === 'integer' && !Number.isInteger(value)))
        return f.kind === 'integer' ? 'Vui lòng nhập một số nguyên.' : 'Vui lòng nhập một số.';
      if (s.minimum !== undefined && value < s.minimum) return 'Giá trị nhỏ nhất là ' + s.minimum + '.';
      if (s.maximum !== undefined && value > s.maximum) return 'Giá trị lớn nhất là ' + s.maximum + '.';
    }
    if (typeof value === 'string') {
      if (s.minLength !== undefined && value.length < s.minLength) return 'Cần ít nhất ' + s.minLength + ' ký tự.';
      if (s.maxLength !== undefined && value.length > s.maxLength) return 'Tối đa ' + s.maxLength + ' ký tự.';
      if (s.pattern) {
        try {
          if (!new RegExp(s.pattern, 'u').test(value)) return 'Không đúng định dạng.';
        } catch (e) {
          // a pattern the browser cannot read: the server decides
        }
      }
    }
    return '';
  }
  function setAt(target, path, value) {
    var keys = path
      .split('/')
      .slice(1)
      .map(function (k) {
        return k.replace(/~1/g, '/').replace(/~0/g, '~');
      });
    var at = target;
    keys.slice(0, -1).forEach(function (k) {
      at = at[k] = at[k] || {};
    });
    at[keys[keys.length - 1]] = value;
  }

  // ---- opening a procedure -------------------------------------------------------------------
  var current = null; // { procedure, agencies }
  var applicantFields = ['name', 'idNumber', 'phone', 'email', 'address'].map(function (k) {
    return { key: k, input: $('applicant-' + k), error: $('applicant-' + k + '-error') };
  });
  var agencyField = { input: $('agency'), error: $('agency-error') };
  var fileFields = [];

  function mediaTypesOf(component) {
    return component.mediaTypes && component.mediaTypes.length ? component.mediaTypes : ALL_TYPES;
  }
  /** A component's labelled file input with its accepted types and size as the hint: {component, input, error, node}. */
  function fileField(component, prefix, required) {
    var id = uniqueId(prefix);
    var names = mediaTypesOf(component).map(function (t) {
      return TYPE_NAMES[t] || t;
    });
    var input = el('input', {
      id: id,
      type: 'file',
      multiple: true,
      accept: names
        .map(function (n) {
          return EXTENSIONS[n] || '';
        })
        .filter(Boolean)
        .join(','),
      'aria-describedby': id + '-hint ' + id + '-error',
      'aria-required': required ? 'true' : null,
    });
    var hint = el(
      'p',
      { id: id + '-hint', class: 'hint' },
      'Định dạng: ' + names.join(', ') + (component.maxSizeMb ? '; tối đa ' + component.maxSizeMb + ' MB mỗi tệp' : ''),
    );
    var error = el('p', { id: id + '-error', class: 'error', hidden: true });
    var label = el('label', { for: id }, component.name, required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
    return { component: component, input: input, error: error, node: el('div', { class: 'field' }, label, input, hint, error) };
  }
  function openProcedure(code) {
    return Promise.all([
      get('/v1/catalog/procedures/' + encodeURIComponent(code) + '?at=' + encodeURIComponent(new Date().toISOString())),
      get('/v1/public/agencies'),
    ]).then(
      function (answers) {
        var procedure = answers[0].data;
        if (!answers[0].ok || !answers[1].ok) {
          $('search-status').textContent = 'Không mở được thủ tục. Vui lòng thử lại.';
          return;
        }
        var agencies = answers[1].data.items.filter(function (a) {
          return !a.level || procedure.agencyLevels.indexOf(a.level) >= 0;
        });
        current = { procedure: procedure, agencies: agencies };
        renderProcedure(procedure, agencies);
        history.replaceState(null, '', '#nop/' + encodeURIComponent(code));
        show('submit');
      },
      function () {
        $('search-status').textContent = 'Không kết nối được tới hệ thống.';
      },
    );
  }

  function renderProcedure(p, agencies) {
    var fees = (p.fees || []).map(function (f) {
      return f.description + ': ' + money.format(f.amount);
    });
    $('procedure-info').replaceChildren(
      el(
        'dl',
        { class: 'facts' },
        el('dt', {}, 'Thủ tục'),
        el('dd', {}, p.name + ' (' + p.code + ')'),
        el('dt', {}, 'Lĩnh vực'),
        el('dd', {}, p.field),
        el('dt', {}, 'Thời hạn giải quyết'),
        el('dd', {}, p.processingDays + ' ngày làm việc, tính từ khi hồ sơ được tiếp nhận'),
        el('dt', {}, 'Lệ phí'),
        el('dd', {}, fees.length ? fees.join('; ') : 'Không'),
        p.result ? el('dt', {}, 'Kết quả') : null,
        p.result ? el('dd', {}, p.result) : null,
      ),
    );
    var select = $('agency');
    select.replaceChildren(el('option', { value: '' }, '— Chọn cơ quan —'));
    agencies.forEach(function (a) {
      select.appendChild(el('option', { value: a.organId }, a.name));
    });
    if (agencies.length === 1) select.value = agencies[0].organId;

    formFields = [];
    var container = $('eform-fields');
    container.replaceChildren();
    if (p.form && p.form.properties) renderSchema(p.form, '', p.form.required || [], container);
    $('eform').hidden = formFields.length === 0;

    fileFields = [];
    var files = $('file-fields');
    files.replaceChildren();
    (p.components || []).forEach(function (c) {
      var f = fileField(c, 'tp', c.required);
      files.appendChild(f.node);
      fileFields.push(f);
    });
    $('files').hidden = fileFields.length === 0;
    $('submit-errors').hidden = true;
    $('upload').hidden = true;
  }

  // ---- submitting ----------------------------------------------------------------------------
  function summary(problems) {
    var box = $('submit-errors');
    var list = el('ul', {});
    problems.forEach(function (p) {
      var link = el('a', { href: '#' + p.input.id }, p.label + ': ' + p.text);
      link.addEventListener('click', function (event) {
        event.preventDefault();
        p.input.focus();
      });
      list.appendChild(el('li', {}, link));
    });
    box.replaceChildren(el('p', {}, el('strong', {}, 'Hồ sơ chưa hợp lệ. Vui lòng sửa các mục sau:')), list);
    box.hidden = false;
    box.setAttribute('tabindex', '-1');
    box.focus();
  }
  function labelText(input) {
    var label = document.querySelector('label[for="' + input.id + '"]');
    return label ? label.textContent.replace(/\s*\*$/, '').trim() : input.name;
  }

  function collect() {
    var problems = [];
    var add = function (target, text) {
      setError(target, text);
      if (text) problems.push({ input: target.input, label: labelText(target.input), text: text });
    };
    add(agencyField, agencyField.input.value ? '' : 'Vui lòng chọn cơ quan tiếp nhận.');
    var applicant = {};
    applicantFields.forEach(function (f) {
      var v = f.input.value.trim();
      var text = '';
      if (f.key === 'name' && !v) text = 'Vui lòng nhập họ và tên.';
      else if (f.key === 'email' && v && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) text = 'Địa chỉ thư điện tử không hợp lệ.';
      add(f, text);
      if (v) applicant[f.key] = v;
    });
    var form = {};
    formFields.forEach(function (f) {
      var value = valueOf(f);
      add(f, checkField(f, value));
      if (value !== undefined) setAt(form, f.path, value);
    });
    fileFields.forEach(function (f) {
      var text = '';
      var max = f.component.maxSizeMb;
      if (f.component.required && f.input.files.length === 0) text = 'Vui lòng đính kèm tệp.';
      Array.prototype.forEach.call(f.input.files, function (file) {
        if (max && file.size > max * 1024 * 1024) text = 'Tệp ' + file.name + ' quá lớn: tối đa ' + max + ' MB.';
        if (file.size === 0) text = 'Tệp ' + file.name + ' rỗng.';
      });
      add(f, text);
    });
    return { problems: problems, applicant: applicant, form: form };
  }

  /** Puts the server's 400 (`errors[].path`) next to the fields it names. */
  function serverErrors(errors) {
    var problems = [];
    (errors || []).forEach(function (e) {
      var path = String(e.path || '');
      var target = null;
      if (path.indexOf('application/form') === 0) {
        var pointer = path.slice('application/form'.length);
        target =
          formFields.filter(function (f) {
            return f.path === pointer;
          })[0] ||
          formFields.filter(function (f) {
            return f.path.indexOf(pointer + '/') === 0;
          })[0];
      } else if (path.indexOf('application/applicant/') === 0 || path.indexOf('application/contact/') === 0) {
        var key = path.split('/')[2];
        target = applicantFields.filter(function (f) {
          return f.key === key;
        })[0];
      } else if (path === 'application/agencyId') target = agencyField;
      else if (path.indexOf('files/') === 0) {
        var name = path.slice('files/'.length);
        target = fileFields.filter(function (f) {
          return f.component.name === name;
        })[0];
      }
      if (!target) return;
      var text = vietnamese(e.message);
      setError(target, text);
      problems.push({ input: target.input, label: labelText(target.input), text: text });
    });
    return problems;
  }

  /** XMLHttpRequest rather than fetch: only it reports upload progress. */
  function upload(url, data, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('accept', 'application/json');
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
      });
      xhr.addEventListener('load', function () {
        var data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch (e) {
          data = null;
        }
        resolve({ status: xhr.status, ok: xhr.status >= 200 && xhr.status < 300, data: data });
      });
      xhr.addEventListener('error', function () {
        resolve({ status: 0, ok: false, data: null });
      });
      xhr.send(data);
    });
  }
  function progress(bar, percent, value) {
    bar.setAttribute('value', String(value));
    percent.textContent = value + '%';
  }

  $('submit-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!current) return;
    var checked = collect();
    if (checked.problems.length) return summary(checked.problems);
    $('submit-errors').hidden = true;
    var application = {
      procedureCode: current.procedure.code,
      agencyId: $('agency').value,
      applicant: checked.applicant,
      form: checked.form,
    };
    var contact = {};
    if (checked.applicant.email) contact.email = checked.applicant.email;
    if (checked.applicant.phone) contact.phone = checked.applicant.phone;
    if (Object.keys(contact).length) application.contact = contact;
    var data = new FormData();
    data.append('application', JSON.stringify(application));
    fileFields.forEach(function (f) {
      Array.prototype.forEach.call(f.input.files, function (file) {
        data.append(f.component.name, file, file.name);
      });
    });
    var button = $('submit-button');
    button.disabled = true;
    $('upload').hidden = false;
    progress($('upload-progress'), $('upload-percent'), 0);
    upload('/v1/public/dossiers', data, function (p) {
      progress($('upload-progress'), $('upload-percent'), p);
    }).then(function (res) {
      button.disabled = false;
      $('upload').hidden = true;
      if (res.status === 201) return showReceipt(res.data, application);
      var box = $('submit-errors');
      if ((res.status === 400 || res.status === 413) && res.data) {
        var problems = serverErrors(res.data.errors);
        if (problems.length) return summary(problems);
      }
      if (res.status === 422)
        box.replaceChildren(notice('error', 'Thủ tục hiện không nhận hồ sơ trực tuyến', 'Vui lòng chọn thủ tục hoặc cơ quan khác.'));
      else if (res.status === 413) box.replaceChildren(notice('error', 'Hồ sơ quá lớn', 'Tổng dung lượng các tệp vượt quá giới hạn.'));
      else box.replaceChildren(failure(res));
      box.hidden = false;
      box.setAttribute('tabindex', '-1');
      box.focus();
    });
  });

  // ---- the receipt ---------------------------------------------------------------------------
  function showReceipt(receipt, application) {
    var agency = current.agencies.filter(function (a) {
      return a.organId === application.agencyId;
    })[0];
    $('receipt-body').replaceChildren(
      el(
        'dl',
        { class: 'facts' },
        el('dt', {}, 'Mã hồ sơ'),
        el('dd', { class: 'code', 'data-field': 'dossierCode' }, receipt.dossierCode),
        el('dt', {}, 'Mã tra cứu (PIN)'),
        el('dd', { class: 'code', 'data-field': 'lookupPin' }, receipt.lookupPin),
        el('dt', {}, 'Thủ tục'),
        el('dd', {}, current.procedure.name + ' (' + current.procedure.code + ')'),
        el('dt', {}, 'Cơ quan tiếp nhận'),
        el('dd', {}, agency ? agency.name : application.agencyId),
        el('dt', {}, 'Người nộp'),
        el('dd', {}, application.applicant.name),
        el('dt', {}, 'Thời điểm nộp'),
        el('dd', {}, when(new Date().toISOString())),
        el('dt', {}, 'Trạng thái'),
        el('dd', {}, 'Mới đăng ký: chờ cán bộ tiếp nhận'),
      ),
    );
    remember(receipt.dossierCode, receipt.lookupPin);
    history.replaceState(null, '', '#giay-tiep-nhan');
    show('receipt');
  }
  $('print').addEventListener('click', function () {
    window.print();
  });
  $('follow').addEventListener('click', function () {
    var saved = remembered();
    if (saved) {
      $('code').value = saved.code;
      $('pin').value = saved.pin;
    }
    history.replaceState(null, '', '#ho-so-cua-toi');
    show('mine');
    if (saved) lookup(saved.code, saved.pin, true);
  });

  // Code and PIN kept for this tab only (sessionStorage), for the payment's return and "follow".
  function remember(code, pin) {
    try {
      sessionStorage.setItem('dvc-dossier', JSON.stringify({ code: code, pin: pin }));
    } catch (e) {
      // private mode: the citizen types them again
    }
  }
  function remembered() {
    try {
      return JSON.parse(sessionStorage.getItem('dvc-dossier') || 'null');
    } catch (e) {
      return null;
    }
  }

  // ---- my dossier: status, supplement, payment, withdrawal, result -----------------------------
  var viewed = null; // { code, pin }
  function lookup(code, pin, announce, before) {
    viewed = { code: code, pin: pin };
    var box = $('dossier');
    box.setAttribute('aria-busy', 'true');
    var base = '/v1/public/dossiers/' + encodeURIComponent(code);
    return get(base + '?pin=' + encodeURIComponent(pin)).then(
      function (res) {
        box.removeAttribute('aria-busy');
        if (!res.ok) return box.replaceChildren(failure(res));
        remember(code, pin);
        return Promise.resolve(res.data.supplementRequest ? componentsOf(res.data.procedureCode) : []).then(function (components) {
          box.replaceChildren.apply(box, (before ? [before] : []).concat(renderDossier(res.data, components)));
          if (announce) {
            var heading = box.querySelector('h3');
            heading.setAttribute('tabindex', '-1');
            heading.focus();
          }
        });
      },
      function () {
        box.removeAttribute('aria-busy');
        box.replaceChildren(failure({ status: 0 }));
      },
    );
  }
  function componentsOf(code) {
    return get('/v1/catalog/procedures/' + encodeURIComponent(code) + '?at=' + encodeURIComponent(new Date().toISOString())).then(
      function (res) {
        return res.ok ? res.data.components || [] : [];
      },
    );
  }
  function urlOf(path) {
    return (
      '/v1/public/dossiers/' +
      encodeURIComponent(viewed.code) +
      path +
      (path.indexOf('?') >= 0 ? '&' : '?') +
      'pin=' +
      encodeURIComponent(viewed.pin)
    );
  }

  function renderDossier(d, components) {
    var parts = [];
    parts.push(
      el(
        'article',
        { class: 'dossier', 'data-status-code': d.statusCode },
        el('h3', {}, 'Hồ sơ ' + d.dossierCode),
        el(
          'dl',
          { class: 'facts' },
          el('dt', {}, 'Thủ tục'),
          el('dd', {}, d.procedureName + ' (' + d.procedureCode + ')'),
          el('dt', {}, 'Trạng thái'),
          el('dd', { class: 'status s' + d.statusCode, id: 'dossier-status' }, d.statusLabel),
          el('dt', {}, 'Ngày nộp'),
          el('dd', {}, el('time', { datetime: d.receivedAt }, when(d.receivedAt))),
          el('dt', {}, 'Hẹn trả kết quả'),
          el(
            'dd',
            {},
            d.dueAt ? el('time', { datetime: d.dueAt }, when(d.dueAt)) : d.statusCode === 1 ? 'Tính từ khi hồ sơ được tiếp nhận' : '—',
          ),
          el('dt', {}, 'Thành phần đã nộp'),
          el(
            'dd',
            {},
            (d.components || [])
              .map(function (c) {
                return c.name + (c.files ? ' (' + c.files.length + ' tệp)' : '');
              })
              .join('; ') || '—',
          ),
        ),
      ),
    );
    if (d.supplementRequest) parts.push(supplementForm(d, components));
    if (d.paymentDue !== null && d.paymentDue !== undefined) parts.push(paymentBox(d));
    if (d.resultFiles && d.resultFiles.length) {
      var list = el('ul', { class: 'results' });
      d.resultFiles.forEach(function (f) {
        list.appendChild(el('li', {}, el('a', { href: urlOf('/result/' + f.sha256), download: f.name }, 'Tải về: ' + f.name)));
      });
      parts.push(
        el('section', { class: 'panel', 'aria-labelledby': 'result-title' }, el('h4', { id: 'result-title' }, 'Kết quả giải quyết'), list),
      );
    }
    if ((d.allowedActions || []).indexOf('withdraw') >= 0) parts.push(withdrawForm());
    return parts;
  }

  function supplementForm(d, components) {
    var wanted =
      d.supplementRequest.items && d.supplementRequest.items.length
        ? d.supplementRequest.items
        : components.map(function (c) {
            return c.name;
          });
    var fields = [];
    var form = el('form', { class: 'panel', novalidate: true, 'aria-labelledby': 'supplement-title' });
    form.append(el('h4', { id: 'supplement-title' }, 'Cơ quan yêu cầu bổ sung hồ sơ'), el('p', {}, 'Lý do: ' + d.supplementRequest.reason));
    wanted.forEach(function (name) {
      var component = components.filter(function (c) {
        return c.name === name;
      })[0] || { name: name };
      var f = fileField(component, 'bs', false);
      form.appendChild(f.node);
      fields.push(f);
    });
    var bar = el('progress', { max: '100', value: '0', id: 'supplement-progress', 'aria-label': 'Đang tải tệp bổ sung' });
    var percent = el('span', { 'aria-hidden': 'true' }, '0%');
    var progressBox = el('div', { hidden: true }, bar, ' ', percent);
    var status = el('div', { role: 'status' });
    var button = el('button', { type: 'submit' }, 'Gửi bổ sung');
    form.append(progressBox, status, button);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var data = new FormData();
      var count = 0;
      fields.forEach(function (f) {
        setError(f, '');
        Array.prototype.forEach.call(f.input.files, function (file) {
          data.append(f.component.name, file, file.name);
          count++;
        });
      });
      if (count === 0) {
        setError(fields[0], 'Vui lòng đính kèm ít nhất một tệp.');
        fields[0].input.focus();
        return;
      }
      button.disabled = true;
      progressBox.hidden = false;
      upload(urlOf('/supplement'), data, function (p) {
        progress(bar, percent, p);
      }).then(function (res) {
        button.disabled = false;
        progressBox.hidden = true;
        if (res.ok) return lookup(viewed.code, viewed.pin, true, notice('ok', 'Đã gửi hồ sơ bổ sung', 'Cơ quan sẽ tiếp tục xử lý hồ sơ.'));
        if ((res.status === 400 || res.status === 413) && res.data && res.data.errors) {
          var shown = false;
          res.data.errors.forEach(function (e) {
            var name = String(e.path || '').replace(/^files\//, '');
            var f =
              fields.filter(function (x) {
                return x.component.name === name;
              })[0] || fields[0];
            setError(f, vietnamese(e.message));
            if (!shown) f.input.focus();
            shown = true;
          });
          if (shown) return;
        }
        status.replaceChildren(failure(res));
      });
    });
    return form;
  }

  function paymentBox(d) {
    var button = el('button', { type: 'button' }, 'Thanh toán trực tuyến');
    var status = el('div', { role: 'status' });
    button.addEventListener('click', function () {
      button.disabled = true;
      post(urlOf('/payments'), {}).then(
        function (res) {
          button.disabled = false;
          if (res.status === 201 && res.data && /^https?:\/\//.test(res.data.redirectUrl)) {
            window.location.assign(res.data.redirectUrl);
            return;
          }
          status.replaceChildren(failure(res));
        },
        function () {
          button.disabled = false;
          status.replaceChildren(failure({ status: 0 }));
        },
      );
    });
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'payment-title' },
      el('h4', { id: 'payment-title' }, 'Nghĩa vụ tài chính'),
      el('p', {}, 'Số tiền phải nộp: ', el('strong', { id: 'payment-due' }, money.format(d.paymentDue))),
      button,
      status,
    );
  }

  function withdrawForm() {
    var id = uniqueId('rut');
    var reason = el('textarea', { id: id, rows: '2', maxlength: '2000', 'aria-describedby': id + '-error' });
    var error = el('p', { id: id + '-error', class: 'error', hidden: true });
    var status = el('div', { role: 'status' });
    var form = el(
      'form',
      { class: 'panel withdraw', novalidate: true },
      el(
        'details',
        {},
        el('summary', {}, 'Rút hồ sơ'),
        el('div', { class: 'field' }, el('label', { for: id }, 'Lý do rút hồ sơ'), reason, error),
        el('button', { type: 'submit', class: 'danger' }, 'Xác nhận rút hồ sơ'),
        status,
      ),
    );
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = reason.value.trim();
      setError({ input: reason, error: error }, text ? '' : 'Vui lòng nhập lý do.');
      if (!text) return reason.focus();
      post(urlOf('/withdraw'), { reason: text }).then(function (res) {
        if (res.ok) return lookup(viewed.code, viewed.pin, true, notice('ok', 'Đã gửi yêu cầu rút hồ sơ', ''));
        status.replaceChildren(failure(res));
      });
    });
    return form;
  }

  $('lookup-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var code = { input: $('code'), error: $('code-error') };
    var pin = { input: $('pin'), error: $('pin-error') };
    var c = code.input.value.trim();
    var p = pin.input.value.replace(/\s+/g, '');
    setError(code, c ? '' : 'Vui lòng nhập mã hồ sơ.');
    setError(pin, p ? '' : 'Vui lòng nhập mã tra cứu (PIN).');
    if (!c) return code.input.focus();
    if (!p) return pin.input.focus();
    lookup(c, p, true);
  });

  // ---- start: the view in the address, or the payment provider's return -----------------------
  var params = new URLSearchParams(location.search);
  if (params.has('result') && (params.has('payment') || params.has('dossier') || params.get('result') === 'invalid')) {
    // back from the payment provider: /dich-vu-cong?dossier=&payment=&result=paid|failed|pending|invalid
    var saved = remembered();
    var result = params.get('result');
    var note =
      result === 'paid'
        ? notice('ok', 'Thanh toán thành công', 'Cổng thanh toán đã xác nhận khoản thanh toán. Hồ sơ được chuyển xử lý tiếp.')
        : result === 'pending'
          ? notice(
              'info',
              'Đang chờ xác nhận thanh toán',
              'Trạng thái hồ sơ được cập nhật khi cổng thanh toán xác nhận. Bạn có thể xem lại sau ít phút.',
            )
          : result === 'failed'
            ? notice('error', 'Thanh toán chưa thành công', 'Bạn có thể thử thanh toán lại.')
            : notice('error', 'Không xác minh được kết quả thanh toán', 'Vui lòng xem lại trạng thái hồ sơ.');
    var code = params.get('dossier') || (saved && saved.code);
    history.replaceState(null, '', location.pathname + '#ho-so-cua-toi');
    show('mine', false);
    if (code && saved && saved.code === code) {
      $('code').value = saved.code;
      $('pin').value = saved.pin;
      lookup(saved.code, saved.pin, true, note);
    } else {
      if (code) $('code').value = code;
      $('dossier').replaceChildren(note);
    }
  } else if (location.hash === '#ho-so-cua-toi') show('mine', false);
  else if (/^#nop\//.test(location.hash)) openProcedure(decodeURIComponent(location.hash.slice(5)));
  else show('search', false);
  if (!$('search').hidden) search('');
})();
