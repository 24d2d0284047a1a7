// The review app's keyboard and saves. Served by the app itself; no other script runs.
(() => {
  'use strict';
  const head = document.querySelector('header.page');
  if (!head) return;
  const token = head.dataset.token;
  const page = head.dataset.page;

  async function post(url, body) {
    const reply = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Review-Token': token },
      body: JSON.stringify(body),
    });
    if (!reply.ok) throw new Error(`${reply.status} ${await reply.text()}`);
    return reply.json();
  }

  const editing = (el) => el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA');
  const native = (el) => el && (el.tagName === 'BUTTON' || el.tagName === 'A' || el.tagName === 'SUMMARY');

  // --- lists of links: the start page and a student's page ---------------------------------
  function linkKeys(event) {
    const links = [...document.querySelectorAll('[data-nav]')];
    if (!links.length) return false;
    const at = links.indexOf(document.activeElement);
    if (event.key === 'j' || event.key === 'ArrowDown') {
      links[Math.min(at + 1, links.length - 1)].focus();
    } else if (event.key === 'k' || event.key === 'ArrowUp') {
      links[Math.max(at - 1, 0)].focus();
    } else {
      return false;
    }
    return true;
  }

  if (page !== 'item') {
    document.addEventListener('keydown', (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || editing(event.target)) return;
      if (event.key === 'g') { location.href = '/'; event.preventDefault(); return; }
      if (linkKeys(event)) event.preventDefault();
    });
    const first = document.querySelector('tr.waits [data-nav]') || document.querySelector('[data-nav]');
    if (first) first.focus();
    return;
  }

  // --- one item: its groups -----------------------------------------------------------------
  const assignment = head.dataset.assignment;
  const item = head.dataset.item;
  const groups = [...document.querySelectorAll('article.group')];
  let current = 0;
  let chosen = -1; // the student of the current group chosen with [ and ]

  function focusGroup(index) {
    if (!groups.length) return;
    current = Math.max(0, Math.min(index, groups.length - 1));
    groups.forEach((g, i) => g.classList.toggle('focused', i === current));
    chosen = -1;
    showChosen();
    const group = groups[current];
    group.focus({ preventScroll: true });
    group.scrollIntoView({ block: 'nearest' });
    history.replaceState(null, '', `#${group.id}`);
  }

  function showChosen() {
    groups.forEach((g, i) => g.querySelectorAll('.students li').forEach((li, j) => {
      li.classList.toggle('chosen', i === current && j === chosen);
    }));
  }

  const students = (group) => group.dataset.students.split('\n');
  const versions = (group) => group.dataset.versions.split(',').map(Number);

  function nextUngraded() {
    for (let step = 1; step <= groups.length; step += 1) {
      const index = (current + step) % groups.length;
      if (groups[index].dataset.state !== 'graded') { focusGroup(index); return; }
    }
    if (head.dataset.nextItem) location.href = `/item/${assignment}/${head.dataset.nextItem}`;
  }

  function fill(template, fields) {
    return template.replace(/\{(\w+)\}/g, (_, name) => String(fields[name] ?? ''));
  }

  async function save(group) {
    const names = students(group);
    const seen = versions(group);
    const body = {
      assignment,
      item,
      students: Object.fromEntries(names.map((s, i) => [s, seen[i]])),
      rubric: [...group.querySelectorAll('input.pick:checked')].map((c) => Number(c.value)),
      adjustment: Number(group.querySelector('input.adjust').value || 0),
      comment: group.querySelector('textarea.comment').value,
    };
    const status = group.querySelector('[data-status]');
    status.textContent = '…';
    const reply = await post('/api/grade', body);
    const now = names.map((s, i) => (s in reply.saved ? reply.saved[s] : seen[i]));
    const box = group.querySelector('[data-conflict]');
    if (reply.conflicts.length) {
      for (const c of reply.conflicts) now[names.indexOf(c.student)] = c.version;
      box.textContent = fill(box.dataset.template, reply.conflicts[0]);
      box.hidden = false;
      group.dataset.state = 'conflict';
      status.textContent = '';
    } else {
      box.hidden = true;
      group.dataset.state = 'graded';
      group.className = group.className.replace(/state-\w+/, 'state-graded');
      status.textContent = `✓ ${reply.points}`;
    }
    group.dataset.versions = now.join(',');
    if (reply.problems.length) status.title = reply.problems.join('\n');
    return reply.conflicts.length === 0;
  }

  async function saveAndGo(group) {
    if (await save(group)) nextUngraded();
  }

  async function rubricChange(li) {
    const points = Number(li.querySelector('.r-points').value);
    const text = li.querySelector('.r-text').value;
    await post('/api/rubric', { assignment, action: 'edit', id: Number(li.dataset.rubric), points, text });
    location.reload();
  }

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (editing(target)) {
      if (event.key === 'Escape') { target.blur(); focusGroup(current); event.preventDefault(); return; }
      const li = target.closest('li[data-rubric]');
      if (event.key === 'Enter' && !event.shiftKey && li) { rubricChange(li); event.preventDefault(); return; }
      const group = target.closest('article.group');
      if (event.key === 'Enter' && !event.shiftKey && group) { saveAndGo(group); event.preventDefault(); }
      return;
    }
    if (native(target) && event.key === 'Enter') return;
    const group = groups[current];
    const key = event.key;
    let handled = true;
    if (key === 'j' || key === 'ArrowDown') focusGroup(current + 1);
    else if (key === 'k' || key === 'ArrowUp') focusGroup(current - 1);
    else if (key === 'n') nextUngraded();
    else if (key === 'g') location.href = '/';
    else if (key === 'e') document.querySelector('#rubric .r-points')?.select();
    else if (key === 'r') document.getElementById('recheck')?.click();
    else if (!group) handled = false;
    else if (/^[1-9]$/.test(key)) {
      const box = group.querySelectorAll('input.pick')[Number(key) - 1];
      if (box) box.checked = !box.checked;
    } else if (key === 'a') group.querySelector('input.adjust').select();
    else if (key === 'c') group.querySelector('textarea.comment').focus();
    else if (key === 'Enter' || key === 's') saveAndGo(group);
    else if (key === ']' || key === '[') {
      const count = students(group).length;
      chosen = key === ']' ? (chosen + 1) % count : (chosen - 1 + count) % count;
      showChosen();
    } else if (key === 'x') split(group, chosen < 0 ? 0 : chosen);
    else handled = false;
    if (handled) event.preventDefault();
  });

  async function split(group, index) {
    const names = students(group);
    if (names.length < 2) return;
    await post('/api/split', { assignment, item, student: names[index] });
    location.reload();
  }

  groups.forEach((group, index) => {
    group.addEventListener('click', () => { if (index !== current) focusGroup(index); });
    group.querySelector('button.save').addEventListener('click', () => saveAndGo(group));
    group.querySelector('button.split').addEventListener('click', () => split(group, Math.max(chosen, 0)));
  });
  document.querySelectorAll('#rubric li[data-rubric]').forEach((li) => {
    li.querySelector('.r-save').addEventListener('click', () => rubricChange(li));
    li.querySelector('.r-remove').addEventListener('click', async () => {
      await post('/api/rubric', { assignment, action: 'remove', id: Number(li.dataset.rubric) });
      location.reload();
    });
  });
  document.getElementById('add-rubric')?.addEventListener('click', async () => {
    const points = Number(document.getElementById('new-points').value);
    const text = document.getElementById('new-text').value;
    await post('/api/rubric', { assignment, action: 'add', item, points, text });
    location.reload();
  });
  document.getElementById('recheck')?.addEventListener('click', async (event) => {
    await post('/api/recheck', { assignment, item, on: event.target.dataset.on === '1' });
    location.reload();
  });

  const fromHash = groups.findIndex((g) => `#${g.id}` === location.hash);
  const firstOpen = groups.findIndex((g) => g.dataset.state !== 'graded');
  focusGroup(fromHash >= 0 ? fromHash : Math.max(firstOpen, 0));
})();
