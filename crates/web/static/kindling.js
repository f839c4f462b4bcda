// Progressive enhancement only: every page works without this file.
import { initAll } from '/assets/nhsuk-frontend.min.js';

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');
initAll();

// While a new idea is written, show initiatives and reviews like it (the same list appears on the
// idea's page after submission for people without JavaScript).
const similar = document.getElementById('similar-ideas');
if (similar) {
  const title = document.getElementById('title');
  const problem = document.getElementById('problem');
  let timer;
  let last = '';
  const check = () => {
    const query = new URLSearchParams({ title: title.value, problem: problem.value }).toString();
    if (query === last || (title.value + problem.value).trim().length < 4) return;
    last = query;
    fetch(`${similar.dataset.similarUrl}?${query}`, { credentials: 'same-origin' })
      .then((response) => (response.ok ? response.text() : ''))
      .then((html) => { similar.innerHTML = html; })
      .catch(() => {});
  };
  for (const field of [title, problem]) {
    field.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
  }
}
