() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#card-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const card = document.getElementById(link.getAttribute('href').slice(1));
    if (!card) return;
    card.open = true;
    card.scrollIntoView({behavior: 'instant', block: 'center'});
    card.classList.add('flash');
    setTimeout(() => card.classList.remove('flash'), 2000);
  }, true);
  const narrow = window.matchMedia('(max-width: 767px)');
  let shownAnswer = '';
  let shownEvidence = '';
  const settle = () => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    const last = bots[bots.length - 1];
    const key = last ? bots.length + ':' + last.innerText.slice(0, 80) : '';
    if (last && key !== shownAnswer && !last.innerText.trim().endsWith('…')) {
      shownAnswer = key;
      const box = last.closest('.bubble-wrap');
      if (box) box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
      const top = last.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight - 80) window.scrollBy(0, top - 8);
    }
    const evidence = document.querySelector('#evidence');
    const evidenceKey = evidence ? evidence.textContent.slice(0, 300) : '';  // the same whether cards are open or not
    if (evidence && evidenceKey !== shownEvidence) {
      shownEvidence = evidenceKey;
      if (narrow.matches) evidence.querySelectorAll('details.card').forEach((card) => { card.open = false; });
    }
  };
  new MutationObserver(() => window.requestAnimationFrame(settle))
    .observe(document.body, {childList: true, subtree: true, characterData: true});
  // The finder's list: ticking an example adds it to the pack (kept in a hidden field).
  document.addEventListener('change', (event) => {
    const box = event.target.closest('#finder-list input.pick');
    if (!box) return;
    const field = document.querySelector('#finder-picked textarea, #finder-picked input');
    if (!field) return;
    let picked = [];
    try { picked = JSON.parse(field.value || '[]'); } catch (error) { picked = []; }
    picked = picked.filter((id) => id !== box.value);
    if (box.checked) picked.push(box.value);
    box.closest('.pick-card').classList.toggle('picked', box.checked);
    field.value = JSON.stringify(picked);
    field.dispatchEvent(new Event('input', {bubbles: true}));
  });
}
