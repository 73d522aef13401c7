// The sandbox page: a small Slack-like client for the local workspace.
// Everything the workspace says (CRM text included) is untrusted: the DOM is
// built with createElement and textContent only, never innerHTML.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);

  // ---- state ---------------------------------------------------------------
  let me = '';          // acting user id
  let conv = '';        // open conversation id, or "home"
  let state = null;     // last /sandbox/api/state answer
  let events = null;    // EventSource
  let refreshTimer = 0;
  let refreshing = false, refreshAgain = false;
  const unread = new Set();
  let pinBottomUntil = 0; // renders scroll to the newest message until then (pinToBottom)
  const msgNodes = new Map(); // key → {sig, el}
  let homeSig = '';
  let modalSig = '';
  let modalOpener = null;     // focus key to return to when the modal goes
  const modalValues = new Map(); // view id → {key: value} kept across re-renders

  // ---- tiny DOM helpers -----------------------------------------------------
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const k of kids.flat()) {
      if (k === null || k === undefined || k === false) continue;
      e.appendChild(typeof k === 'string' ? document.createTextNode(k) : k);
    }
    return e;
  }
  let uid = 0;
  const nextId = (p) => `${p}-${++uid}`;

  // ---- text: mrkdwn, plain_text, emoji ---------------------------------------
  const EMOJI = {
    '+1': '👍', thumbsup: '👍', '-1': '👎', thumbsdown: '👎',
    arrow_up: '⬆️', arrow_down: '⬇️', arrows_counterclockwise: '🔄', zzz: '💤',
    lock: '🔒', warning: '⚠️', grey_question: '❔', question: '❓', hourglass: '⌛',
    hourglass_flowing_sand: '⏳', double_vertical_bar: '⏸️', arrow_forward: '▶️',
    white_check_mark: '✅', heavy_check_mark: '✔️', x: '❌', tada: '🎉', fire: '🔥',
    star: '⭐', chart_with_upwards_trend: '📈', chart_with_downwards_trend: '📉',
    bell: '🔔', no_bell: '🔕', calendar: '📅', memo: '📝', bulb: '💡', eyes: '👀',
    wave: '👋', rocket: '🚀', trophy: '🏆', mag: '🔍', information_source: 'ℹ️',
    robot_face: '🤖', bar_chart: '📊', busts_in_silhouette: '👥', bust_in_silhouette: '👤',
    link: '🔗', speech_balloon: '💬', ok_hand: '👌', point_right: '👉', sparkles: '✨',
  };
  const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const isWordChar = (c) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
  const safeURL = (u) => /^(https?:|mailto:)/i.test(u) ? u : '';

  function userName(id) {
    const u = state && state.users.find((x) => x.id === id);
    return u ? (u.is_bot ? u.name : u.real_name || u.name) : id;
  }

  function emojify(s) {
    return s.replace(/:([a-z0-9_+'-]+):/g, (m, name) => EMOJI[name] || m);
  }

  // renderControl renders what Slack writes between < and >.
  function renderControl(inner, out) {
    const [target, label] = splitOnce(inner, '|');
    if (/^@[UW]/.test(target)) {
      out.appendChild(h('span', { class: 'mention', dataset: { user: target.slice(1) } }, '@' + (label || userName(target.slice(1)))));
    } else if (/^#C/.test(target)) {
      const id = target.slice(1);
      const name = label || (state && state.channel_names[id]) || id;
      out.appendChild(h('span', { class: 'mention channel' }, '#' + decode(name)));
    } else if (target.startsWith('!')) {
      const special = { '!here': '@here', '!channel': '@channel', '!everyone': '@everyone' }[target];
      out.appendChild(h('span', { class: 'mention' }, special || decode(label || target)));
    } else {
      const url = safeURL(decode(target));
      const text = decode(label || target);
      if (url) out.appendChild(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text));
      else out.appendChild(document.createTextNode(text));
    }
  }
  function splitOnce(s, sep) {
    const i = s.indexOf(sep);
    return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
  }

  // renderMrkdwn appends Slack mrkdwn as DOM nodes to out.
  function renderMrkdwn(src, out) {
    let buf = '';
    const flush = () => { if (buf) { out.appendChild(document.createTextNode(decode(buf))); buf = ''; } };
    let i = 0;
    while (i < src.length) {
      const c = src[i];
      if (src.startsWith('```', i)) {
        const end = src.indexOf('```', i + 3);
        if (end > i + 3) {
          flush();
          out.appendChild(h('pre', { class: 'code-block' }, decode(src.slice(i + 3, end).replace(/^\n/, ''))));
          i = end + 3;
          continue;
        }
      }
      if (c === '`') {
        const end = src.indexOf('`', i + 1);
        if (end > i + 1 && !src.slice(i + 1, end).includes('\n')) {
          flush();
          out.appendChild(h('code', null, decode(src.slice(i + 1, end))));
          i = end + 1;
          continue;
        }
      }
      if (c === '<') {
        const end = src.indexOf('>', i + 1);
        if (end > i + 1) {
          flush();
          renderControl(src.slice(i + 1, end), out);
          i = end + 1;
          continue;
        }
      }
      if ((c === '*' || c === '_' || c === '~') && !isWordChar(src[i - 1]) && src[i + 1] && !/\s/.test(src[i + 1]) && src[i + 1] !== c) {
        let j = i + 1;
        let found = -1;
        while (j < src.length && src[j] !== '\n') {
          if (src[j] === c && !/\s/.test(src[j - 1]) && !isWordChar(src[j + 1])) { found = j; break; }
          j++;
        }
        if (found > 0) {
          flush();
          const e = h(c === '*' ? 'strong' : c === '_' ? 'em' : 's');
          renderMrkdwn(src.slice(i + 1, found), e);
          out.appendChild(e);
          i = found + 1;
          continue;
        }
      }
      if (c === '>' && (i === 0 || src[i - 1] === '\n') && false) { /* quotes arrive escaped as &gt; */ }
      if (c === ':') {
        const m = /^:([a-z0-9_+'-]+):/.exec(src.slice(i, i + 48));
        if (m && EMOJI[m[1]]) {
          flush();
          out.appendChild(document.createTextNode(EMOJI[m[1]]));
          i += m[0].length;
          continue;
        }
      }
      buf += c;
      i++;
    }
    flush();
  }

  // renderQuotedMrkdwn handles "&gt; " block quotes line by line.
  function mrkdwnNode(src, tag) {
    const out = h(tag || 'div', { class: 'mrkdwn' });
    const lines = src.split('\n');
    let quote = null;
    lines.forEach((line, n) => {
      if (line.startsWith('&gt; ') || line === '&gt;' || line.startsWith('> ')) {
        if (!quote) { quote = h('blockquote'); out.appendChild(quote); } else quote.appendChild(document.createTextNode('\n'));
        renderMrkdwn(line.replace(/^(&gt;|>) ?/, ''), quote);
        return;
      }
      quote = null;
      if (n > 0 && !(out.lastChild && out.lastChild.tagName === 'BLOCKQUOTE')) out.appendChild(document.createTextNode('\n'));
      renderMrkdwn(line, out);
    });
    return out;
  }

  function textNode(t, tag) {
    if (!t) return h(tag || 'span');
    if (t.type === 'mrkdwn') return mrkdwnNode(t.text || '', tag);
    return h(tag || 'span', { class: 'plain' }, t.emoji === false ? t.text : emojify(t.text || ''));
  }
  const plain = (t) => (t ? (t.emoji === false ? t.text : emojify(t.text || '')) : '');

  // ---- API -----------------------------------------------------------------
  async function getState() {
    const q = new URLSearchParams({ user: me, conv: conv === 'home' ? '' : conv });
    const r = await fetch('/sandbox/api/state?' + q, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error('state: HTTP ' + r.status);
    return r.json();
  }
  async function post(path, body) {
    const r = await fetch('/sandbox/api/' + path, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: me, ...body }),
    });
    let res;
    try { res = await r.json(); } catch (e) { res = { ok: false, error: 'HTTP ' + r.status }; }
    return res;
  }

  function toast(msg) {
    const t = h('div', { class: 'toast' }, msg);
    $('toasts').appendChild(t);
    setTimeout(() => t.remove(), 6000);
  }

  // act sends a block_actions envelope for one element, then refreshes.
  async function act(surface, blockId, el, extra, btn) {
    if (btn) { btn.disabled = true; btn.setAttribute('aria-busy', 'true'); }
    try {
      const res = await post('act', { surface, block_id: blockId || '', action_id: el.action_id, ...extra });
      if (!res.ok) toast('The click did not go through: ' + (res.error || 'unknown error'));
      else if (res.message) toast(res.message);
    } catch (e) {
      toast('The click did not go through: ' + e.message);
    } finally {
      if (btn && btn.isConnected) { btn.disabled = false; btn.removeAttribute('aria-busy'); }
      scheduleRefresh(0);
    }
  }

  // ---- Block Kit -------------------------------------------------------------
  // ctx: {surface, form} — form is set inside modals (input values are kept).
  function renderBlocks(blocks, ctx) {
    const wrap = h('div', { class: 'blocks' });
    for (const b of blocks || []) {
      try {
        const node = renderBlock(b, ctx);
        if (b.block_id) node.dataset.block = b.block_id;
        wrap.appendChild(node);
      } catch (e) { wrap.appendChild(h('div', { class: 'muted' }, '[block could not be shown: ' + e.message + ']')); }
    }
    return wrap;
  }

  function renderBlock(b, ctx) {
    switch (b.type) {
      case 'header':
        return h('div', { class: 'b-header', role: 'heading', 'aria-level': '3' }, plain(b.text));
      case 'divider':
        return h('hr', { class: 'b-divider' });
      case 'section': {
        const sec = h('div', { class: 'b-section' });
        const body = h('div', { class: 'b-section-body' });
        if (b.text) body.appendChild(textNode(b.text, 'div'));
        if (b.fields && b.fields.length) {
          body.appendChild(h('div', { class: 'b-fields' }, b.fields.map((f) => textNode(f, 'div'))));
        }
        sec.appendChild(body);
        if (b.accessory) {
          const acc = renderElement(b.accessory, b.block_id, ctx, { accessory: true });
          if (acc) sec.appendChild(h('div', { class: 'b-accessory' }, acc));
        }
        return sec;
      }
      case 'context':
        return h('div', { class: 'b-context' }, (b.elements || []).map((e) => {
          if (e.type === 'image') return h('span', { class: 'img-alt', role: 'img', 'aria-label': e.alt_text || 'image' }, '▣');
          return textNode(e, 'span');
        }));
      case 'actions':
        return h('div', { class: 'b-actions' }, (b.elements || []).map((e) => renderElement(e, b.block_id, ctx, {})));
      case 'input':
        return renderInput(b, ctx);
      case 'image':
        return h('div', { class: 'b-image muted' }, '[image: ' + (b.alt_text || '') + ']');
      case 'rich_text':
        return h('div', { class: 'mrkdwn' }, richText(b.elements || []));
      default:
        return h('div', { class: 'muted' }, `[${b.type} block]`);
    }
  }

  function richText(els) {
    const out = [];
    for (const e of els) {
      if (e.type === 'text') {
        const n = document.createTextNode(e.text || '');
        if (e.style && (e.style.bold || e.style.italic || e.style.code || e.style.strike)) {
          let w = n;
          if (e.style.code) w = h('code', null, w);
          if (e.style.bold) w = h('strong', null, w);
          if (e.style.italic) w = h('em', null, w);
          if (e.style.strike) w = h('s', null, w);
          out.push(w);
        } else out.push(n);
      } else if (e.type === 'link') {
        const url = safeURL(e.url || '');
        out.push(url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, e.text || e.url) : document.createTextNode(e.text || ''));
      } else if (e.type === 'user') out.push(h('span', { class: 'mention' }, '@' + userName(e.user_id)));
      else if (e.type === 'emoji') out.push(document.createTextNode(EMOJI[e.name] || `:${e.name}:`));
      else if (e.elements) out.push(h(e.type === 'rich_text_preformatted' ? 'pre' : e.type === 'rich_text_quote' ? 'blockquote' : 'div', null, richText(e.elements)));
    }
    return out;
  }

  function focusKey(ctx, blockId, el, value) {
    const s = ctx.surface;
    return [s.kind, s.channel || s.view_id || '', s.ts || '', blockId || '', el.action_id || '', value || ''].join('|');
  }

  function optionList(el) {
    const flat = [];
    for (const o of el.options || []) flat.push({ o });
    for (const g of el.option_groups || []) for (const o of g.options || []) flat.push({ o, g });
    return flat;
  }

  function selectNode(el, blockId, ctx, multiple, labelText) {
    const sel = h('select', { class: 'select', multiple, dataset: { key: focusKey(ctx, blockId, el) } });
    if (!multiple) sel.appendChild(h('option', { value: '' }, el.placeholder ? plain(el.placeholder) : 'Choose an option'));
    const addOpts = (parent, opts) => { for (const o of opts || []) parent.appendChild(h('option', { value: o.value }, plain(o.text))); };
    addOpts(sel, el.options);
    for (const g of el.option_groups || []) {
      const og = h('optgroup', { label: plain(g.label) });
      addOpts(og, g.options);
      sel.appendChild(og);
    }
    const initial = [].concat(el.initial_option ? [el.initial_option] : [], el.initial_options || []).map((o) => o.value);
    for (const opt of sel.options) if (initial.includes(opt.value)) opt.selected = true;
    if (labelText) sel.setAttribute('aria-label', labelText);
    return sel;
  }

  // renderElement renders an interactive element outside input blocks:
  // every change is a block action.
  function renderElement(el, blockId, ctx, opts) {
    const key = focusKey(ctx, blockId, el, el.type === 'button' ? el.value : '');
    switch (el.type) {
      case 'button': {
        const cls = 'btn' + (el.style === 'primary' ? ' primary' : el.style === 'danger' ? ' danger' : '');
        const label = plain(el.text);
        const url = el.url && safeURL(el.url);
        const click = async (ev) => {
          const b = ev.currentTarget;
          if (el.confirm && !window.confirm(plain(el.confirm.title) + '\n\n' + (el.confirm.text ? el.confirm.text.text : ''))) { ev.preventDefault(); return; }
          act(ctx.surface, blockId, el, { value: el.value || '' }, url ? null : b);
        };
        if (url) {
          return h('a', { class: cls, href: url, target: '_blank', rel: 'noopener noreferrer', dataset: { key }, onclick: click }, label, h('span', { class: 'ext', 'aria-hidden': 'true' }, ' ↗'), h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'));
        }
        return h('button', { type: 'button', class: cls, dataset: { key, value: el.value || '', action: el.action_id }, onclick: click }, label);
      }
      case 'overflow':
        return overflowMenu(el, blockId, ctx, key);
      case 'static_select':
      case 'multi_static_select':
      case 'users_select':
      case 'conversations_select':
      case 'channels_select': {
        const multiple = el.type.startsWith('multi_');
        const e2 = el.type === 'users_select' ? { ...el, options: userOptions() } : el.type !== 'static_select' && el.type !== 'multi_static_select' ? { ...el, options: convOptions() } : el;
        const sel = selectNode(e2, blockId, ctx, multiple, el.placeholder ? plain(el.placeholder) : 'Choose');
        sel.addEventListener('change', () => {
          const values = [...sel.selectedOptions].map((o) => o.value).filter(Boolean);
          if (el.type === 'static_select' || el.type === 'multi_static_select') act(ctx.surface, blockId, el, { options: values }, null);
          else act(ctx.surface, blockId, el, { value: values[0] || '', options: multiple ? values : [] }, null);
        });
        return sel;
      }
      case 'datepicker':
      case 'timepicker': {
        const inp = h('input', { type: el.type === 'datepicker' ? 'date' : 'time', class: 'input', value: el.initial_date || el.initial_time || '', 'aria-label': el.placeholder ? plain(el.placeholder) : el.type, dataset: { key } });
        inp.addEventListener('change', () => act(ctx.surface, blockId, el, { value: inp.value }, null));
        return inp;
      }
      case 'checkboxes':
      case 'radio_buttons': {
        const group = choiceGroup(el, blockId, ctx, null);
        group.addEventListener('change', () => {
          const values = [...group.querySelectorAll('input:checked')].map((i) => i.value);
          act(ctx.surface, blockId, el, { options: values }, null);
        });
        return group;
      }
      case 'image':
        return h('span', { class: 'img-alt', role: 'img', 'aria-label': el.alt_text || 'image' }, '▣');
      default:
        return h('span', { class: 'muted' }, `[${el.type}]`);
    }
  }

  function userOptions() {
    return (state ? state.users : []).filter((u) => !u.is_bot).map((u) => ({ value: u.id, text: { type: 'plain_text', text: u.real_name || u.name } }));
  }
  function convOptions() {
    return (state ? state.conversations : []).map((c) => ({ value: c.id, text: { type: 'plain_text', text: c.name } }));
  }

  function overflowMenu(el, blockId, ctx, key) {
    const menuId = nextId('menu');
    const wrap = h('div', { class: 'overflow' });
    const btn = h('button', { type: 'button', class: 'btn icon', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-controls': menuId, 'aria-label': 'More actions', dataset: { key } }, '⋯');
    const menu = h('div', { class: 'menu', role: 'menu', id: menuId, hidden: true });
    const close = (focusBtn) => { menu.hidden = true; btn.setAttribute('aria-expanded', 'false'); if (focusBtn) btn.focus(); };
    const items = (el.options || []).map((o) => h('button', {
      type: 'button', role: 'menuitem', class: 'menu-item', tabindex: '-1', dataset: { value: o.value },
      onclick: () => { close(true); act(ctx.surface, blockId, el, { options: [o.value] }, btn); },
    }, plain(o.text)));
    items.forEach((it) => menu.appendChild(it));
    btn.addEventListener('click', () => {
      const open = menu.hidden;
      menu.hidden = !open;
      btn.setAttribute('aria-expanded', String(open));
      if (open && items[0]) items[0].focus();
    });
    menu.addEventListener('keydown', (e) => {
      const i = items.indexOf(document.activeElement);
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); close(true); }
      else if (e.key === 'ArrowDown') { e.preventDefault(); items[(i + 1) % items.length].focus(); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
      else if (e.key === 'Tab') close(false);
    });
    wrap.addEventListener('focusout', (e) => { if (!wrap.contains(e.relatedTarget)) close(false); });
    wrap.append(btn, menu);
    return wrap;
  }

  function choiceGroup(el, blockId, ctx, labelledBy) {
    const group = h('div', { class: 'choices', role: el.type === 'radio_buttons' ? 'radiogroup' : 'group', 'aria-labelledby': labelledBy, dataset: { key: focusKey(ctx, blockId, el) } });
    const initial = [].concat(el.initial_option ? [el.initial_option] : [], el.initial_options || []).map((o) => o.value);
    const name = nextId('choice');
    for (const o of el.options || []) {
      const id = nextId('opt');
      const input = h('input', { type: el.type === 'radio_buttons' ? 'radio' : 'checkbox', id, name, value: o.value });
      if (initial.includes(o.value)) input.checked = true;
      const label = h('label', { for: id }, textNode(o.text, 'span'));
      const row = h('div', { class: 'choice' }, input, label);
      if (o.description) row.appendChild(h('div', { class: 'choice-desc' }, plain(o.description)));
      group.appendChild(row);
    }
    return group;
  }

  // renderInput renders an input block inside a modal: a labelled field
  // whose value is read on Submit (or sent at once with dispatch_action).
  function renderInput(b, ctx) {
    const el = b.element || {};
    const fid = nextId('field');
    const labelId = fid + '-label';
    const hintId = fid + '-hint';
    const errId = fid + '-error';
    const required = !b.optional;
    const key = (b.block_id || '') + '/' + (el.action_id || '');
    const err = ctx.errors && ctx.errors[b.block_id];
    const wrap = h('div', { class: 'b-input' + (err ? ' invalid' : ''), dataset: { block: b.block_id || '', key, required: required ? '1' : '' } });
    const label = h('label', { id: labelId, for: fid, class: 'input-label' }, plain(b.label), required ? '' : h('span', { class: 'muted' }, ' (optional)'));
    wrap.appendChild(label);
    let field;
    const describedBy = [b.hint ? hintId : '', err ? errId : ''].filter(Boolean).join(' ') || null;
    switch (el.type) {
      case 'plain_text_input':
      case 'email_text_input':
      case 'url_text_input':
      case 'number_input': {
        const type = { email_text_input: 'email', url_text_input: 'url', number_input: 'text' }[el.type] || 'text';
        field = el.multiline
          ? h('textarea', { id: fid, class: 'input', rows: 4 })
          : h('input', { id: fid, class: 'input', type, inputmode: el.type === 'number_input' ? (el.is_decimal_allowed ? 'decimal' : 'numeric') : null });
        if (el.placeholder) field.placeholder = plain(el.placeholder);
        if (el.max_length) field.maxLength = el.max_length;
        field.value = el.initial_value || '';
        break;
      }
      case 'static_select':
      case 'multi_static_select':
      case 'users_select':
      case 'multi_users_select':
      case 'conversations_select':
      case 'channels_select': {
        const multiple = el.type.startsWith('multi_');
        const e2 = el.type.includes('users') ? { ...el, options: userOptions() } : el.type.includes('static') ? el : { ...el, options: convOptions() };
        field = selectNode(e2, b.block_id, ctx, multiple, null);
        field.id = fid;
        break;
      }
      case 'datepicker':
        field = h('input', { id: fid, class: 'input', type: 'date', value: el.initial_date || '' });
        break;
      case 'timepicker':
        field = h('input', { id: fid, class: 'input', type: 'time', value: el.initial_time || '' });
        break;
      case 'checkboxes':
      case 'radio_buttons':
        field = choiceGroup(el, b.block_id, ctx, labelId);
        label.removeAttribute('for');
        break;
      default:
        field = h('span', { class: 'muted' }, `[${el.type} input]`);
    }
    field.dataset.input = key;
    field.dataset.kind = el.type || '';
    if (describedBy) field.setAttribute('aria-describedby', describedBy);
    if (required && field.tagName !== 'DIV') field.setAttribute('aria-required', 'true');
    if (err) field.setAttribute('aria-invalid', 'true');
    if (b.dispatch_action) {
      field.addEventListener('change', () => {
        const v = readField(field);
        act(ctx.surface, b.block_id, el, v, null);
      });
    }
    wrap.appendChild(field);
    if (b.hint) wrap.appendChild(h('div', { id: hintId, class: 'hint' }, plain(b.hint)));
    if (err) wrap.appendChild(h('div', { id: errId, class: 'field-error' }, h('span', { 'aria-hidden': 'true' }, '⚠️ '), err));
    return wrap;
  }

  function readField(field) {
    if (field.tagName === 'SELECT') {
      const values = [...field.selectedOptions].map((o) => o.value).filter(Boolean);
      return field.dataset.kind.includes('static') ? { options: values } : field.multiple ? { options: values } : { value: values[0] || '' };
    }
    if (field.classList.contains('choices')) return { options: [...field.querySelectorAll('input:checked')].map((i) => i.value) };
    return { value: field.value.trim() === '' ? '' : field.value };
  }
  function writeField(field, v) {
    if (!v) return;
    if (field.tagName === 'SELECT') {
      const want = v.options || (v.value ? [v.value] : []);
      for (const o of field.options) o.selected = want.includes(o.value);
    } else if (field.classList.contains('choices')) {
      for (const i of field.querySelectorAll('input')) i.checked = (v.options || []).includes(i.value);
    } else field.value = v.value || '';
  }
  const isEmpty = (v) => !v || ((!v.value) && (!v.options || v.options.length === 0));

  // ---- messages ----------------------------------------------------------------
  function fmtTime(ts) {
    const d = new Date(parseFloat(ts) * 1000);
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function messageNode(m, channel, isReply) {
    const surface = m.ephemeral ? { kind: 'ephemeral', channel, ts: m.ts } : { kind: 'message', channel, ts: m.ts };
    const ctx = { surface };
    const author = userName(m.user);
    const art = h('article', { class: 'msg' + (m.ephemeral ? ' ephemeral' : '') + (isReply ? ' reply' : ''), dataset: { ts: m.ts }, 'aria-label': `${author}, ${fmtTime(m.ts)}` + (m.ephemeral ? ', only visible to you' : '') });
    const avatar = h('div', { class: 'avatar' + (m.is_bot ? ' bot' : ''), 'aria-hidden': 'true' }, m.is_bot ? '◆' : initials(author));
    const meta = h('div', { class: 'msg-meta' },
      h('span', { class: 'author' }, author),
      m.is_bot ? h('span', { class: 'badge' }, 'APP') : null,
      h('time', { class: 'time', datetime: new Date(parseFloat(m.ts) * 1000).toISOString() }, fmtTime(m.ts)),
      m.edited ? h('span', { class: 'edited', title: `updated ${m.edited}×` }, '(edited)') : null,
      m.ephemeral ? h('span', { class: 'eph-label' }, h('span', { 'aria-hidden': 'true' }, '👁 '), 'Only visible to you') : null);
    const body = h('div', { class: 'msg-body' }, meta);
    if (m.blocks && m.blocks.length) body.appendChild(renderBlocks(m.blocks, ctx));
    else if (m.text || !(m.files && m.files.length)) body.appendChild(mrkdwnNode(m.text || ''));
    if (m.files && m.files.length) body.appendChild(h('div', { class: 'files' }, m.files.map(fileNode)));
    if (m.replies && m.replies.length) {
      const n = m.replies.length;
      const thread = h('div', { class: 'thread', role: 'group', 'aria-label': `Thread: ${n} ${n === 1 ? 'reply' : 'replies'}` },
        h('div', { class: 'thread-count' }, `${n} ${n === 1 ? 'reply' : 'replies'}`),
        m.replies.map((r) => messageNode(r, channel, true)));
      body.appendChild(thread);
    }
    art.append(avatar, body);
    return art;
  }
  // fileNode shows a shared file as Slack does: an image inline (its title above it, the image a
  // link to the full size), any other file as a download link.
  function fileNode(f) {
    const title = f.title || f.name;
    if (/^image\/(png|jpeg|gif|webp)$/.test(f.mimetype)) {
      return h('figure', { class: 'file image', dataset: { file: f.id } },
        h('figcaption', { class: 'file-title' }, title),
        h('a', { href: f.url, target: '_blank', rel: 'noopener noreferrer' },
          h('img', { src: f.url, alt: title, width: f.original_w || null, height: f.original_h || null,
            onload: () => { if (Date.now() < pinBottomUntil) { const l = $('messages'); l.scrollTop = l.scrollHeight; } } })));
    }
    return h('div', { class: 'file', dataset: { file: f.id } },
      h('a', { href: f.url, download: f.name }, '📎 ' + title), h('span', { class: 'muted small' }, ` ${Math.ceil(f.size / 1024)} KB`));
  }
  function initials(name) {
    return (name || '?').split(/\s+/).map((w) => w[0] || '').join('').slice(0, 2).toUpperCase();
  }

  // renderMessages updates the list in place: unchanged messages keep their
  // nodes, so focus and the screen reader's place survive a refresh.
  function renderMessages() {
    const list = $('messages');
    const channel = state.conversation ? state.conversation.id : '';
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const active = document.activeElement;
    const activeKey = active && list.contains(active) ? active.dataset.key : null;
    const seen = new Set();
    let cursor = list.firstChild;
    if (cursor && cursor.classList && cursor.classList.contains('empty')) { cursor.remove(); cursor = list.firstChild; }
    let lostFocus = false;
    for (const m of state.messages) {
      const key = channel + '|' + (m.ephemeral ? 'e' : 'm') + m.ts;
      const sig = JSON.stringify(m);
      seen.add(key);
      let rec = msgNodes.get(key);
      if (!rec || rec.sig !== sig) {
        const el = messageNode(m, channel, false);
        if (rec) {
          if (rec.el.contains(active)) lostFocus = true;
          rec.el.replaceWith(el);
          if (cursor === rec.el) cursor = el;
        }
        rec = { sig, el };
        msgNodes.set(key, rec);
      }
      if (cursor === rec.el) cursor = cursor.nextSibling;
      else list.insertBefore(rec.el, cursor);
    }
    for (const [key, rec] of msgNodes) {
      if (!seen.has(key)) { if (rec.el.contains(active)) lostFocus = true; rec.el.remove(); msgNodes.delete(key); }
    }
    if (!state.messages.length) {
      list.appendChild(h('p', { class: 'empty muted' }, state.conversation && state.conversation.is_im
        ? 'No messages yet. Try /leads below, or “Send today’s digests now” on the left.'
        : 'No messages yet.'));
    }
    if (lostFocus && activeKey) restoreFocus(list, activeKey);
    if (nearBottom || Date.now() < pinBottomUntil) list.scrollTop = list.scrollHeight;
  }
  // pinToBottom keeps the conversation at its newest message for a while, as Slack does after
  // you send: the answer lands in view even if you had scrolled up. Scrolling by hand ends it.
  function pinToBottom() {
    pinBottomUntil = Date.now() + 20000;
    const list = $('messages');
    list.scrollTop = list.scrollHeight;
  }
  function restoreFocus(root, key) {
    for (const e of root.querySelectorAll('[data-key]')) if (e.dataset.key === key) { e.focus(); return true; }
    return false;
  }

  // ---- modal -----------------------------------------------------------------------
  function collectModalValues(root) {
    const vals = {};
    for (const f of root.querySelectorAll('[data-input]')) vals[f.dataset.input] = readField(f);
    return vals;
  }

  function renderModal() {
    const root = $('modal-root');
    const top = state.modals.length ? state.modals[state.modals.length - 1] : null;
    const sig = top ? JSON.stringify(top) : '';
    if (sig === modalSig) return;
    const oldDialog = root.querySelector('.dialog');
    const oldId = oldDialog ? oldDialog.dataset.view : '';
    if (oldDialog) modalValues.set(oldId, collectModalValues(oldDialog));
    const hadFocusKey = oldDialog && oldDialog.contains(document.activeElement) ? (document.activeElement.dataset.input || document.activeElement.dataset.key) : null;
    modalSig = sig;
    root.textContent = '';
    if (!top) {
      document.body.classList.remove('modal-open');
      $('main').removeAttribute('aria-hidden');
      if (modalOpener) { if (!restoreFocus(document, modalOpener)) $('main').focus(); modalOpener = null; }
      return;
    }
    if (!oldDialog) {
      const a = document.activeElement;
      modalOpener = a && a.dataset ? a.dataset.key || null : null;
    }
    const v = top.view || {};
    const titleId = nextId('modal-title');
    const statusId = nextId('modal-status');
    const ctx = { surface: { kind: 'view', view_id: top.id }, errors: top.errors || {} };
    const form = h('form', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, 'aria-describedby': statusId, dataset: { view: top.id }, novalidate: true });
    const closeBtn = h('button', { type: 'button', class: 'btn icon close-x', 'aria-label': 'Close' }, '✕');
    form.appendChild(h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, plain(v.title) || 'Modal'), closeBtn));
    const body = h('div', { class: 'dialog-body' }, renderBlocks(v.blocks || [], ctx));
    form.appendChild(body);
    const errs = Object.keys(top.errors || {});
    form.appendChild(h('p', { id: statusId, class: 'dialog-status', role: 'status', 'aria-live': 'polite' }, errs.length ? `Please fix ${errs.length === 1 ? 'the highlighted field' : 'the highlighted fields'}.` : ''));
    const foot = h('div', { class: 'dialog-foot' });
    const cancel = h('button', { type: 'button', class: 'btn' }, v.close ? plain(v.close) : 'Cancel');
    foot.appendChild(cancel);
    let submit = null;
    if (v.submit) { submit = h('button', { type: 'submit', class: 'btn primary' }, plain(v.submit)); foot.appendChild(submit); }
    form.appendChild(foot);
    const overlay = h('div', { class: 'overlay' }, form);
    root.appendChild(overlay);
    document.body.classList.add('modal-open');
    $('main').setAttribute('aria-hidden', 'true');

    // Keep what was typed when the same view is re-rendered (errors, updates).
    const kept = modalValues.get(top.id);
    if (kept) for (const f of form.querySelectorAll('[data-input]')) if (kept[f.dataset.input]) writeField(f, kept[f.dataset.input]);

    const closeModal = async () => {
      const res = await post('close', { view_id: top.id });
      if (!res.ok) toast('Could not close: ' + (res.error || ''));
      scheduleRefresh(0);
    };
    cancel.addEventListener('click', closeModal);
    closeBtn.addEventListener('click', closeModal);
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { e.preventDefault(); closeModal(); return; }
      if (e.key === 'Tab') trapFocus(form, e);
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const values = collectModalValues(form);
      // Slack's client does not let a required input go empty.
      const missing = [];
      for (const w of form.querySelectorAll('.b-input')) {
        if (w.dataset.required && isEmpty(values[w.dataset.key])) missing.push(w.dataset.block);
      }
      if (missing.length) {
        const errors = {};
        for (const b of missing) errors[b] = 'Please complete this required field.';
        showLocalErrors(form, errors);
        return;
      }
      if (submit) { submit.disabled = true; submit.setAttribute('aria-busy', 'true'); }
      modalValues.set(top.id, values);
      const res = await post('submit', { view_id: top.id, values });
      if (submit && submit.isConnected) { submit.disabled = false; submit.removeAttribute('aria-busy'); }
      if (!res.ok && res.errors) showLocalErrors(form, res.errors);
      else if (!res.ok) toast('Could not submit: ' + (res.error || ''));
      scheduleRefresh(0);
    });

    const invalid = form.querySelector('[aria-invalid="true"]');
    if (hadFocusKey && !errs.length) {
      const again = [...form.querySelectorAll('[data-input],[data-key]')].find((x) => (x.dataset.input || x.dataset.key) === hadFocusKey);
      (again || firstFocusable(form)).focus();
    } else if (invalid) focusField(invalid);
    else (firstFocusable(body) || firstFocusable(form)).focus();
  }
  function focusField(f) {
    const target = f.matches('input,select,textarea,button') ? f : f.querySelector('input,select,textarea,button');
    if (target) target.focus();
  }
  function showLocalErrors(form, errors) {
    let first = null;
    for (const w of form.querySelectorAll('.b-input')) {
      const msg = errors[w.dataset.block];
      const old = w.querySelector('.field-error');
      if (old) old.remove();
      const field = w.querySelector('[data-input]');
      if (!msg) { w.classList.remove('invalid'); if (field) field.removeAttribute('aria-invalid'); continue; }
      const id = nextId('err');
      w.classList.add('invalid');
      w.appendChild(h('div', { id, class: 'field-error' }, h('span', { 'aria-hidden': 'true' }, '⚠️ '), msg));
      if (field) {
        field.setAttribute('aria-invalid', 'true');
        field.setAttribute('aria-describedby', ((field.getAttribute('aria-describedby') || '') + ' ' + id).trim());
        if (!first) first = field;
      }
    }
    const st = form.querySelector('.dialog-status');
    if (st) st.textContent = 'Please fix the highlighted fields.';
    if (first) focusField(first);
  }
  const FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';
  function firstFocusable(root) {
    return [...root.querySelectorAll(FOCUSABLE)].find((e) => e.offsetParent !== null) || null;
  }
  function trapFocus(root, e) {
    const items = [...root.querySelectorAll(FOCUSABLE)].filter((x) => x.offsetParent !== null);
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  }

  // ---- sidebar, header, home ----------------------------------------------------
  function renderChrome() {
    $('team').textContent = state.team;
    const bs = $('bot-status');
    bs.textContent = state.bot_connected ? `${state.bot_name} is connected` : `${state.bot_name} is not connected`;
    bs.classList.toggle('off', !state.bot_connected);

    const who = $('who-select');
    const opts = [h('option', { value: '' }, 'choose…')].concat(state.users.filter((u) => !u.is_bot).map((u) =>
      h('option', { value: u.id }, (u.real_name || u.name) + (u.is_manager ? ' (manager)' : ''))));
    const sigWho = state.users.map((u) => u.id + u.real_name).join(',') + me;
    if (who.dataset.sig !== sigWho) { who.replaceChildren(...opts); who.value = me; who.dataset.sig = sigWho; }

    const list = $('user-list');
    const sigList = state.users.map((u) => u.id + u.real_name + u.title).join(',');
    if (list.dataset.sig !== sigList) {
      list.dataset.sig = sigList;
      list.replaceChildren(...state.users.filter((u) => !u.is_bot).map((u) => h('li', null,
        h('button', { type: 'button', class: 'user-card', dataset: { user: u.id }, onclick: () => choose(u.id, '') },
          h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(u.real_name || u.name)),
          h('span', { class: 'user-card-text' },
            h('span', { class: 'user-card-name' }, u.real_name || u.name),
            h('span', { class: 'muted' }, (u.title || (u.is_manager ? 'Sales Manager' : 'Sales rep')) + ' · @' + u.name))))));
      if (!state.users.some((u) => !u.is_bot)) list.replaceChildren(h('li', { class: 'muted empty-workspace' },
        state.empty_notice || ('No one is in the workspace yet: leadbot brings in the reps it knows by Slack id. Import reps with Slack ids ' +
        '(a slack_user_id column in leadbot import reps), or start with an empty data dir for the demo.')));
    }

    const nav = $('nav');
    nav.textContent = '';
    if (state.me) {
      const item = (id, label, extra) => {
        const current = conv === id;
        return h('li', null, h('button', {
          type: 'button', class: 'nav-item' + (current ? ' current' : '') + (unread.has(id) ? ' unread' : ''),
          'aria-current': current ? 'page' : null, dataset: { conv: id }, onclick: () => choose(me, id),
        }, label, unread.has(id) ? h('span', { class: 'dot' }, h('span', { class: 'visually-hidden' }, ' (new messages)')) : null, extra || null));
      };
      nav.appendChild(h('h2', { class: 'side-title' }, 'Apps'));
      nav.appendChild(h('ul', { class: 'nav-list' }, item('home', h('span', null, h('span', { 'aria-hidden': 'true' }, '⌂ '), `${state.bot_name} — Home`))));
      const dms = state.conversations.filter((c) => c.is_im);
      const chans = state.conversations.filter((c) => !c.is_im);
      nav.appendChild(h('h2', { class: 'side-title' }, 'Direct messages'));
      nav.appendChild(h('ul', { class: 'nav-list' }, dms.map((c) => item(c.id, h('span', null, h('span', { 'aria-hidden': 'true' }, '◆ '), c.name)))));
      nav.appendChild(h('h2', { class: 'side-title' }, 'Channels'));
      nav.appendChild(chans.length
        ? h('ul', { class: 'nav-list' }, chans.map((c) => item(c.id, h('span', null, c.name), c.bot_member ? null : h('span', { class: 'muted small' }, ' (no bot)'))))
        : h('p', { class: 'muted small pad' }, 'Not in any channel.'));
    }

    const cs = $('controls');
    const sigC = JSON.stringify(state.controls);
    if (cs.dataset.sig !== sigC) {
      cs.dataset.sig = sigC;
      cs.replaceChildren(...state.controls.map((c) => {
        const helpId = nextId('ctl-help');
        return h('div', { class: 'control' },
          h('button', { type: 'button', class: 'btn block', 'aria-describedby': c.help ? helpId : null, dataset: { control: String(c.index) }, onclick: (e) => runControl(c, e.currentTarget) }, c.label),
          c.help ? h('p', { id: helpId, class: 'hint' }, c.help) : null);
      }));
      $('controls-section').hidden = state.controls.length === 0;
    }
  }

  async function runControl(c, btn) {
    const out = $('control-output');
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    out.className = 'control-output';
    out.textContent = c.label + '…';
    if (conv && conv !== 'home') pinToBottom();
    try {
      const res = await post('control', { index: c.index });
      out.textContent = res.ok ? (res.message || 'Done.') : ('Failed: ' + (res.error || 'unknown error'));
      out.classList.add(res.ok ? 'ok' : 'fail');
    } catch (e) {
      out.textContent = 'Failed: ' + e.message;
      out.classList.add('fail');
    } finally {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
      scheduleRefresh(0);
    }
  }

  function renderHome() {
    const body = $('home-body');
    $('home-title').textContent = `${state.bot_name} — Home`;
    $('home-sub').textContent = state.me ? `As ${state.me.real_name}` : '';
    const sig = state.home ? JSON.stringify(state.home) : 'none';
    if (sig === homeSig) return;
    const active = document.activeElement;
    const activeKey = active && body.contains(active) ? active.dataset.key : null;
    homeSig = sig;
    if (!state.home) {
      body.replaceChildren(h('p', { class: 'muted' }, state.bot_connected ? 'Opening the Home tab…' : 'The bot has not published a Home tab yet.'));
      return;
    }
    const v = state.home.view || {};
    body.replaceChildren(renderBlocks(v.blocks || [], { surface: { kind: 'view', view_id: state.home.id } }));
    if (activeKey) restoreFocus(body, activeKey);
  }

  function render() {
    renderChrome();
    const picking = !state.me;
    $('picker').hidden = !picking;
    $('conversation').hidden = picking || conv === 'home' || !state.conversation;
    $('home').hidden = picking || conv !== 'home';
    if (!picking && conv !== 'home' && state.conversation) {
      const c = state.conversation;
      $('conv-title').textContent = c.is_im ? c.name : c.name;
      $('conv-sub').textContent = c.is_im ? `Direct messages between ${state.me.real_name} and ${state.bot_name}` : (c.bot_member ? `${state.bot_name} is in this channel` : `${state.bot_name} is not in this channel: mentions go unanswered`) + (c.archived ? ' · archived' : '');
      const label = 'Message ' + (c.is_im ? c.name : c.name);
      $('composer-label').textContent = label;
      $('composer-input').placeholder = label + ' — or type /leads';
      renderMessages();
    }
    if (!picking && conv === 'home') renderHome();
    renderModal();
    document.title = (state.me ? state.me.real_name + ' · ' : '') + 'leadbot sandbox';
  }

  // ---- navigation ---------------------------------------------------------------
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    return { user: p.get('user') || '', conv: p.get('conv') || '' };
  }

  async function choose(user, c) {
    const switching = user !== me;
    if (switching) {
      me = user;
      unread.clear();
      msgNodes.clear();
      $('messages').textContent = '';
      homeSig = '';
      modalSig = '';
      connectEvents();
    }
    if (!c && me) {
      // Default to the user's DM with the bot.
      const u = state && state.users.find((x) => x.id === me);
      c = u && u.dm ? u.dm : '';
    }
    if (c !== conv) {
      conv = c;
      msgNodes.clear();
      $('messages').textContent = '';
      homeSig = '';
    }
    unread.delete(conv);
    const p = new URLSearchParams();
    if (me) p.set('user', me);
    if (conv) p.set('conv', conv);
    history.replaceState(null, '', '#' + p.toString());
    await refresh();
    if (conv === 'home' && me) {
      const res = await post('home', {});
      if (!res.ok) toast('The Home tab did not open: ' + (res.error || ''));
      await refresh();
    }
    if (switching || c) {
      if (conv === 'home') $('main').focus();
      else if (state && state.conversation) $('composer-input').focus();
    }
    const list = $('messages');
    list.scrollTop = list.scrollHeight;
  }

  async function refresh() {
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    try {
      do {
        refreshAgain = false;
        const forUser = me, forConv = conv;
        const s = await getState();
        if (forUser !== me || forConv !== conv) { refreshAgain = true; continue; }
        state = s;
        render();
      } while (refreshAgain);
    } catch (e) {
      toast('Could not load the workspace: ' + e.message);
    } finally {
      refreshing = false;
    }
  }
  function scheduleRefresh(delay) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, delay === undefined ? 40 : delay);
  }

  function connectEvents() {
    if (events) events.close();
    events = new EventSource('/sandbox/events?user=' + encodeURIComponent(me));
    events.addEventListener('change', (e) => {
      let ev;
      try { ev = JSON.parse(e.data); } catch (_) { return; }
      if (ev.kind === 'message_posted' && ev.channel && ev.channel !== conv) unread.add(ev.channel);
      scheduleRefresh();
    });
    events.addEventListener('hello', () => scheduleRefresh(0));
    events.onerror = () => {
      const bs = $('bot-status');
      bs.textContent = 'reconnecting to the sandbox…';
      bs.classList.add('off');
    };
  }

  // ---- composer ------------------------------------------------------------------
  function setupComposer() {
    const input = $('composer-input');
    const status = $('composer-status');
    const send = async () => {
      const text = input.value.trim();
      if (!text || !conv || conv === 'home') return;
      pinToBottom();
      $('composer-send').disabled = true;
      status.textContent = text.startsWith('/') ? `Running ${text.split(/\s/)[0]}…` : 'Sending…';
      status.className = 'status';
      try {
        const res = await post('send', { channel: conv, text });
        if (res.ok) { input.value = ''; status.textContent = res.message || ''; autosize(); }
        else { status.textContent = res.error || 'Could not send.'; status.className = 'status fail'; }
      } catch (e) {
        status.textContent = e.message;
        status.className = 'status fail';
      } finally {
        $('composer-send').disabled = false;
        scheduleRefresh(0);
      }
    };
    const autosize = () => {
      input.style.height = 'auto';
      input.style.height = Math.min(input.scrollHeight, 160) + 'px';
      input.style.overflowY = input.scrollHeight > 160 ? 'auto' : 'hidden';
    };
    input.addEventListener('input', autosize);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
    });
    $('composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
    for (const ev of ['wheel', 'touchmove', 'keydown']) $('messages').addEventListener(ev, () => { pinBottomUntil = 0; }, { passive: true });
  }

  // ---- start -----------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', async () => {
    setupComposer();
    $('who-select').addEventListener('change', (e) => choose(e.target.value, ''));
    document.addEventListener('click', (e) => {
      // Close open overflow menus on outside clicks.
      for (const m of document.querySelectorAll('.menu:not([hidden])')) {
        if (!m.parentElement.contains(e.target)) { m.hidden = true; const b = m.parentElement.querySelector('[aria-expanded]'); if (b) b.setAttribute('aria-expanded', 'false'); }
      }
    });
    const start = readHash();
    me = '';
    try { state = await getState(); } catch (e) { toast(e.message); }
    if (start.user && state && state.users.some((u) => u.id === start.user && !u.is_bot)) {
      await choose(start.user, start.conv);
    } else {
      if (state) render();
      connectEventsAnon();
    }
    document.body.dataset.ready = '1';
  });

  // connectEventsAnon follows users joining while nobody is chosen yet.
  function connectEventsAnon() {
    if (events) events.close();
    events = new EventSource('/sandbox/events');
    events.addEventListener('change', () => scheduleRefresh());
  }
})();
